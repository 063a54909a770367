import { describe, expect, it } from 'vitest';
import { crc32, encodePalettePng } from '#qr/png';
import { decodePng, readChunks } from './helpers';

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });

  it('checksums a sub-range', () => {
    expect(crc32(Buffer.from('xx123456789yy'), 2, 11)).toBe(0xcbf43926);
  });
});

describe('encodePalettePng', () => {
  // 10x2, 1 bit: row 0 = 1010101010, row 1 = 0000000001; 2 bytes per row + filter byte.
  const scanlines = Buffer.from([0, 0b10101010, 0b10000000, 0, 0b00000000, 0b01000000]);
  const png = encodePalettePng({
    width: 10,
    height: 2,
    bitDepth: 1,
    palette: [
      [250, 240, 230],
      [10, 20, 30],
    ],
    scanlines,
  });

  it('writes IHDR, PLTE, IDAT, IEND with valid CRCs', () => {
    const chunks = readChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    const ihdr = chunks[0]!.data;
    expect(ihdr.length).toBe(13);
    expect(ihdr.readUInt32BE(0)).toBe(10);
    expect(ihdr.readUInt32BE(4)).toBe(2);
    expect([...ihdr.subarray(8)]).toEqual([1, 3, 0, 0, 0]);
    expect([...chunks[1]!.data]).toEqual([250, 240, 230, 10, 20, 30]);
  });

  it('decodes with an independent decoder to the intended pixels', () => {
    const { width, height, rgba } = decodePng(png);
    expect([width, height]).toEqual([10, 2]);
    const dark = [10, 20, 30, 255];
    const light = [250, 240, 230, 255];
    const expected = ['1010101010', '0000000001'].flatMap((row) =>
      [...row].flatMap((bit) => (bit === '1' ? dark : light)),
    );
    expect([...rgba]).toEqual(expected);
  });

  it('rejects scanlines of the wrong length and oversized palettes', () => {
    expect(() =>
      encodePalettePng({ width: 10, height: 3, bitDepth: 1, palette: [[0, 0, 0]], scanlines }),
    ).toThrow(RangeError);
    expect(() =>
      encodePalettePng({
        width: 10,
        height: 2,
        bitDepth: 1,
        palette: [
          [0, 0, 0],
          [1, 1, 1],
          [2, 2, 2],
        ],
        scanlines,
      }),
    ).toThrow(RangeError);
  });
});
