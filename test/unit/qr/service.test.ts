import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { parseQrOptions, type QrOptions } from '#qr/model';
import { matrixToPng, qrMatrix, renderQr } from '#qr/service';
import { ValidationError } from '#shared/errors';
import {
  type Bitmap,
  CONTENT,
  decodePng,
  parseSvg,
  rasterise,
  readChunks,
  referenceGrid,
  scan,
  withMargin,
} from './helpers';

const ECCS = ['L', 'M', 'Q', 'H'] as const;

const LOOKS: Record<string, string>[] = [
  { size: '512', margin: '4' },
  { size: '200', margin: '0', fg: '1a237e', bg: 'fffde7' },
  { size: '1000', margin: '16', fg: '#333', bg: '#f0f0f0' },
  { size: '64', margin: '2', fg: '004d40', bg: 'e0f2f1' },
];

const options = (query: Record<string, string>): QrOptions => parseQrOptions(query);

function png(content: string, query: Record<string, string>) {
  const rendered = renderQr(content, options({ ...query, format: 'png' }));
  expect(rendered.contentType).toBe('image/png');
  return rendered.body;
}

function svg(content: string, query: Record<string, string>) {
  const rendered = renderQr(content, options({ ...query, format: 'svg' }));
  expect(rendered.contentType).toBe('image/svg+xml');
  return rendered.body.toString('utf8');
}

/** Which pixels are the foreground colour; throws if any pixel is neither exactly fg nor exactly bg. */
function darkPixels({ width, height, rgba }: Bitmap, fg: string, bg: string): boolean[][] {
  const [fr, fgr, fb] = [0, 2, 4].map((i) => Number.parseInt(fg.slice(i, i + 2), 16));
  const [br, bgr, bb] = [0, 2, 4].map((i) => Number.parseInt(bg.slice(i, i + 2), 16));
  return Array.from({ length: height }, (_, y) =>
    Array.from({ length: width }, (_, x) => {
      const i = (y * width + x) * 4;
      const [r, g, b, a] = [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]];
      if (a === 255 && r === fr && g === fgr && b === fb) return true;
      if (a === 255 && r === br && g === bgr && b === bb) return false;
      throw new Error(`pixel ${x},${y} is rgba(${r},${g},${b},${a})`);
    }),
  );
}

describe('renderQr as PNG', () => {
  for (const ecc of ECCS) {
    for (const look of LOOKS) {
      it(`scans back to the content at ecc ${ecc}, ${JSON.stringify(look)}`, () => {
        const body = png(CONTENT, { ...look, ecc });
        const bitmap = decodePng(body);
        expect(bitmap.width).toBe(Number(look.size));
        expect(bitmap.height).toBe(Number(look.size));
        expect(scan(bitmap)).toBe(CONTENT);
      });
    }
  }

  it('is a 1-bit palette PNG of exactly size×size with bg then fg in the palette', () => {
    for (const size of [64, 333, 512, 2048]) {
      const chunks = readChunks(png(CONTENT, { size: String(size), fg: '1a237e', bg: 'fffde7' }));
      expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
      expect(chunks.every((c) => c.crcOk)).toBe(true);
      const ihdr = chunks[0]!.data;
      expect(ihdr.readUInt32BE(0)).toBe(size);
      expect(ihdr.readUInt32BE(4)).toBe(size);
      expect(ihdr[8]).toBe(1); // bit depth
      expect(ihdr[9]).toBe(3); // colour type: palette
      expect(ihdr[12]).toBe(0); // not interlaced
      expect([...chunks[1]!.data]).toEqual([0xff, 0xfd, 0xe7, 0x1a, 0x23, 0x7e]);
    }
  });

  it('paints every module as a crisp integer block, centred with even padding', () => {
    for (const [size, margin, ecc] of [
      [512, 4, 'M'],
      [200, 0, 'H'],
      [777, 7, 'L'],
    ] as const) {
      const reference = referenceGrid(CONTENT, ecc);
      const n = reference.length;
      const body = png(CONTENT, {
        size: String(size),
        margin: String(margin),
        ecc,
        fg: '123456',
        bg: 'fedcba',
      });
      const dark = darkPixels(decodePng(body), '123456', 'fedcba');

      const rows = dark.map((row) => row.some(Boolean));
      const cols = dark[0]!.map((_, x) => dark.some((row) => row[x]));
      const first = rows.indexOf(true);
      const last = rows.lastIndexOf(true);
      expect(cols.indexOf(true)).toBe(first);
      expect(cols.lastIndexOf(true)).toBe(last);
      // The finder patterns put dark modules in the first and last rows/columns of the code.
      const scale = (last - first + 1) / n;
      expect(scale).toBe(Math.floor(size / (n + 2 * margin)));
      const padBefore = first;
      const padAfter = size - 1 - last;
      expect(Math.abs(padBefore - padAfter)).toBeLessThanOrEqual(1);
      expect(Math.min(padBefore, padAfter)).toBeGreaterThanOrEqual(margin * scale);

      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const r = Math.floor((y - first) / scale);
          const c = Math.floor((x - first) / scale);
          const expected = r >= 0 && r < n && c >= 0 && c < n && reference[r]![c] === 1;
          if (dark[y]![x] !== expected)
            throw new Error(`pixel ${x},${y} should be ${expected ? 'fg' : 'bg'}`);
        }
      }
    }
  });

  it('is far smaller than the PNG qrcode itself writes', async () => {
    const ours = png(CONTENT, { size: '512' });
    const theirs = await QRCode.toBuffer(CONTENT, {
      type: 'png',
      width: 512,
      margin: 4,
      errorCorrectionLevel: 'M',
    });
    expect(ours.length * 2).toBeLessThan(theirs.length);
  });

  it('refuses a size too small to give each module a pixel', () => {
    const long = `https://sho.rt/${'x'.repeat(300)}`;
    const matrix = qrMatrix(long, 'H');
    expect(matrix.size).toBeGreaterThan(64);
    expect(() => png(long, { size: '64', ecc: 'H' })).toThrow(ValidationError);
    expect(() => png(long, { size: '64', ecc: 'H' })).toThrow(/size 64 is too small/);
    // The same code fits once there is a pixel per module.
    const fits = matrixToPng(matrix, { size: matrix.size + 8, margin: 4, fg: '000000', bg: 'ffffff' });
    expect(scan(decodePng(fits))).toBe(long);
  });
});

describe('renderQr as SVG', () => {
  for (const ecc of ECCS) {
    for (const look of LOOKS) {
      it(`paints exactly qrcode's modules and scans back at ecc ${ecc}, ${JSON.stringify(look)}`, () => {
        const parsed = parseSvg(svg(CONTENT, { ...look, ecc }));
        const { size, margin, fg, bg } = options(look);
        expect(parsed.width).toBe(size);
        expect(parsed.height).toBe(size);
        expect(parsed.shapeRendering).toBe('crispEdges');
        expect(parsed.bg).toBe(`#${bg}`);
        expect(parsed.fg).toBe(`#${fg}`);
        const reference = referenceGrid(CONTENT, ecc);
        expect(parsed.viewBox).toEqual([0, 0, reference.length + 2 * margin, reference.length + 2 * margin]);
        expect(parsed.grid).toEqual(withMargin(reference, margin));
        expect(scan(rasterise(parsed.grid, 6, fg, bg))).toBe(CONTENT);
      });
    }
  }

  it('is compact: a few bytes per dark run, no per-module elements', () => {
    const text = svg(CONTENT, {});
    expect(text.match(/<path/g)).toHaveLength(1);
    expect(text.match(/<rect/g)).toHaveLength(1);
    expect(text.length).toBeLessThan(2000);
  });

  it('encodes other content differently, and round-trips it', () => {
    const other = 'https://sho.rt/zz9?r=qr';
    const a = parseSvg(svg(CONTENT, {}));
    const b = parseSvg(svg(other, {}));
    expect(b.grid).not.toEqual(a.grid);
    expect(scan(rasterise(b.grid, 4, '000000', 'ffffff'))).toBe(other);
  });
});

describe('renderQr input errors', () => {
  it('rejects empty content with a 400', () => {
    expect(() => renderQr('', options({}))).toThrow(ValidationError);
  });

  it('rejects content too long for a QR code with a 400 and a hint', () => {
    const tooLong = 'x'.repeat(3000);
    let error: unknown;
    try {
      renderQr(tooLong, options({ ecc: 'H' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as ValidationError).message).toMatch(/too long for a QR code at ecc 'H'; try a lower ecc/);
  });
});
