import { describe, expect, it } from 'vitest';
import { contrastRatio, parseQrOptions, qrOptionsSchema } from '#qr/model';
import { ValidationError } from '#shared/errors';

function rejection(query: Record<string, string | undefined>): ValidationError {
  try {
    parseQrOptions(query);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

describe('parseQrOptions', () => {
  it('applies the defaults to an empty query', () => {
    expect(parseQrOptions({})).toEqual({
      format: 'svg',
      size: 512,
      margin: 4,
      fg: '000000',
      bg: 'ffffff',
      ecc: 'M',
    });
  });

  it('treats blank values like absent ones', () => {
    expect(parseQrOptions({ format: '', size: ' ', margin: '', fg: '', bg: '', ecc: '' })).toEqual(
      parseQrOptions({}),
    );
  });

  it('coerces and normalises query-string values', () => {
    expect(
      parseQrOptions({ format: 'PNG', size: '1024', margin: '0', fg: '#1A2B3C', bg: 'FFF', ecc: 'h' }),
    ).toEqual({ format: 'png', size: 1024, margin: 0, fg: '1a2b3c', bg: 'ffffff', ecc: 'H' });
    expect(parseQrOptions({ fg: '#123', bg: 'eeeeee' })).toMatchObject({ fg: '112233', bg: 'eeeeee' });
  });

  it('accepts the bounds of size and margin', () => {
    expect(parseQrOptions({ size: '64', margin: '16' })).toMatchObject({ size: 64, margin: 16 });
    expect(parseQrOptions({ size: '2048', margin: '0' })).toMatchObject({ size: 2048, margin: 0 });
  });

  it('ignores keys it does not know', () => {
    expect(parseQrOptions({ utm_source: 'x', size: '256' })).toMatchObject({ size: 256 });
  });

  it('rejects an absurd size with a 400 and a readable message', () => {
    const err = rejection({ size: '100000' });
    expect(err.status).toBe(400);
    expect(err.code).toBe('validation_error');
    expect(err.message).toBe('size must be between 64 and 2048');
    expect(err.details).toEqual({ issues: [{ path: 'size', message: 'must be between 64 and 2048' }] });
  });

  it.each([['63'], ['2049'], ['1.5'], ['-100'], ['abc'], ['1e3']])('rejects size=%s', (size) => {
    expect(rejection({ size }).message).toMatch(/^size must be .*between 64 and 2048$/);
  });

  it.each([['17'], ['-1'], ['two']])('rejects margin=%s', (margin) => {
    expect(rejection({ margin }).message).toMatch(/^margin must be .*between 0 and 16$/);
  });

  it.each([['zzz'], ['12345'], ['#1234567'], ['##000000'], ['red'], ['rgb(0,0,0)']])(
    'rejects fg=%s',
    (fg) => {
      const err = rejection({ fg });
      expect(err.status).toBe(400);
      expect(err.message).toMatch(/^fg must be a hex colour/);
    },
  );

  it('rejects a bad bg', () => {
    expect(rejection({ bg: 'white' }).message).toMatch(/^bg must be a hex colour/);
  });

  it('rejects an unknown ecc and format', () => {
    expect(rejection({ ecc: 'X' }).message).toBe("ecc must be one of 'L', 'M', 'Q', 'H'");
    expect(rejection({ format: 'gif' }).message).toBe("format must be one of 'svg', 'png'");
  });

  it('reports every bad field at once', () => {
    const err = rejection({ size: '1', ecc: 'Z', fg: 'nope' });
    const paths = (err.details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths.sort()).toEqual(['ecc', 'fg', 'size']);
    expect(err.message).toContain('size must be between 64 and 2048');
    expect(err.message).toContain('ecc must be one of');
  });

  it('rejects identical colours', () => {
    const err = rejection({ fg: '336699', bg: '#336699' });
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/contrast ratio of 1\.00:1; at least 3:1 is needed/);
  });

  it('rejects low contrast', () => {
    expect(rejection({ fg: 'aaaaaa', bg: 'ffffff' }).message).toMatch(
      /fg 'aaaaaa' and bg 'ffffff'.*at least 3:1/,
    );
    expect(rejection({ fg: '777777', bg: '555555' }).message).toMatch(/contrast ratio/);
  });

  it('accepts enough contrast, either way round', () => {
    expect(parseQrOptions({ fg: '767676' })).toMatchObject({ fg: '767676' }); // 4.54:1 on white
    expect(parseQrOptions({ fg: '1a237e', bg: 'fffde7' })).toMatchObject({ fg: '1a237e', bg: 'fffde7' });
    expect(parseQrOptions({ fg: 'ffffff', bg: '000000' })).toMatchObject({ fg: 'ffffff', bg: '000000' });
  });
});

describe('contrastRatio', () => {
  it('follows WCAG 2', () => {
    expect(contrastRatio('000000', 'ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('ffffff', '000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('abcdef', 'abcdef')).toBe(1);
    expect(contrastRatio('767676', 'ffffff')).toBeCloseTo(4.54, 2);
    expect(contrastRatio('ff0000', 'ffffff')).toBeCloseTo(4.0, 1);
  });
});

describe('qrOptionsSchema', () => {
  it('is the schema parseQrOptions uses', () => {
    expect(qrOptionsSchema.safeParse({ size: '100000' }).success).toBe(false);
    expect(qrOptionsSchema.parse({ size: '100' })).toMatchObject({ size: 100 });
  });
});
