import { describe, expect, it } from 'vitest';
import { toCsv } from '#shared/csv';
import { json, noContent } from '#shared/http';

describe('CSV formula guard (OWASP)', () => {
  const row = (value: unknown) => toCsv(['v'], [{ v: value }]).split('\r\n')[1];

  it.each([
    ['=1+2', "'=1+2"],
    ['+1', "'+1"],
    ['-1+2', "'-1+2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
  ])('neutralises a text cell starting a formula: %j', (value, expected) => {
    expect(row(value)).toBe(expected);
  });

  it('quotes cells holding either locale’s separator, so `a;=1+2` stays one cell', () => {
    expect(row('a;=1+2')).toBe('"a;=1+2"');
    expect(row('a,=1+2')).toBe('"a,=1+2"');
    expect(row('say "hi"')).toBe('"say ""hi"""');
  });

  it('leaves numbers and plain text alone', () => {
    expect(row(-3)).toBe('-3');
    expect(row('spring-poster')).toBe('spring-poster');
  });
});

describe('API responses', () => {
  it('tell browsers not to sniff the content type', () => {
    expect(json(200, {}).headers?.['x-content-type-options']).toBe('nosniff');
    expect(json(400, {}).headers?.['x-content-type-options']).toBe('nosniff');
    expect(noContent().headers?.['x-content-type-options']).toBe('nosniff');
  });
});
