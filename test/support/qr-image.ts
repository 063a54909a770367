import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/** An image as RGBA pixels, 4 bytes per pixel. */
export interface Bitmap {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/**
 * The one QR reader of the tests: the text a phone camera would read from the pixels (dark on light,
 * never inverted), or null.
 */
export function scanQr({ width, height, rgba }: Bitmap): string | null {
  return jsQR(rgba, width, height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}

/** Decodes a PNG with pngjs (not our encoder) and reads the QR code in it. */
export function decodeQrPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return scanQr({ width: image.width, height: image.height, rgba: new Uint8ClampedArray(image.data) });
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
