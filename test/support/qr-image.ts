import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/** Decodes a PNG as a phone camera would (dark on light, no inversion) and returns the text, or null. */
export function decodeQrPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  const rgba = new Uint8ClampedArray(image.data);
  return jsQR(rgba, image.width, image.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}

/** Width, height, bit depth and colour type from the IHDR chunk (colour type 3 = palette). */
export function pngHeader(png: Buffer): {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
} {
  if (png.toString('latin1', 0, 8) !== '\x89PNG\r\n\x1a\n') throw new Error('not a PNG');
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('IHDR is not the first chunk');
  return {
    width: png.readUInt32BE(16),
    height: png.readUInt32BE(20),
    bitDepth: png[24]!,
    colourType: png[25]!,
  };
}
