import { deflateSync } from 'node:zlib';

/**
 * A minimal PNG encoder for palette images: just IHDR, PLTE, IDAT and IEND. The caller hands over the
 * scanlines already filtered (a filter-type byte in front of each row), so a 1-bit QR code never
 * goes through RGBA.
 */

export type Rgb = readonly [number, number, number];

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG and zlib use it) of `buf[start..end)`. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff;
  // Indexes stay in range: i < end ≤ buf.length, and the table has 256 entries for a byte.
  for (let i = start; i < end; i++) c = (CRC_TABLE[(c ^ (buf[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Bytes per scanline, without the filter byte. */
export function rowBytes(width: number, bitDepth: 1 | 2 | 4 | 8): number {
  return Math.ceil((width * bitDepth) / 8);
}

export interface PalettePng {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8;
  /** At most 2^bitDepth entries; pixel value i is palette[i]. */
  palette: readonly Rgb[];
  /** `height` rows of 1 filter byte + rowBytes(width, bitDepth) packed pixels, most significant bit first. */
  scanlines: Uint8Array;
}

/** Encodes an indexed-colour (colour type 3) PNG. */
export function encodePalettePng({ width, height, bitDepth, palette, scanlines }: PalettePng): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG dimensions must be positive integers, got ${width}x${height}`);
  }
  if (palette.length < 1 || palette.length > 2 ** bitDepth) {
    throw new RangeError(
      `A ${bitDepth}-bit palette needs 1 to ${2 ** bitDepth} entries, got ${palette.length}`,
    );
  }
  const expected = height * (1 + rowBytes(width, bitDepth));
  if (scanlines.length !== expected) {
    throw new RangeError(`Expected ${expected} bytes of scanlines, got ${scanlines.length}`);
  }

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = 3; // colour type: palette
  // [10] compression 0 (deflate), [11] filter method 0, [12] interlace 0 (none)

  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach(([r, g, b], i) => {
    plte[i * 3] = r;
    plte[i * 3 + 1] = g;
    plte[i * 3 + 2] = b;
  });

  const idat = deflateSync(scanlines);

  const chunks: [string, Uint8Array][] = [
    ['IHDR', ihdr],
    ['PLTE', plte],
    ['IDAT', idat],
    ['IEND', new Uint8Array(0)],
  ];
  const total = SIGNATURE.length + chunks.reduce((sum, [, data]) => sum + 12 + data.length, 0);
  const out = Buffer.allocUnsafe(total);
  SIGNATURE.copy(out, 0);
  let pos = SIGNATURE.length;
  for (const [type, data] of chunks) {
    out.writeUInt32BE(data.length, pos);
    out.write(type, pos + 4, 'latin1');
    out.set(data, pos + 8);
    const end = pos + 8 + data.length;
    out.writeUInt32BE(crc32(out, pos + 4, end), end);
    pos = end + 4;
  }
  return out;
}
