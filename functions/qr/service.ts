// The core module alone: the package entry would bundle every renderer for one function we use.
import { create as createQr } from 'qrcode/lib/core/qrcode.js';
import { ValidationError } from '#shared/errors';
import { hexToRgb, type QrOptions } from './model';
import { encodePalettePng, rowBytes } from './png';

/** Renders QR codes as compact SVG or 1-bit palette PNG straight from qrcode's module matrix. */

export interface RenderedQr {
  contentType: string;
  body: Buffer;
}

/** The dark/light modules of a code, row-major, 1 = dark. */
export interface QrMatrix {
  size: number;
  data: Uint8Array;
}

export function qrMatrix(content: string, ecc: QrOptions['ecc']): QrMatrix {
  if (content.length === 0) throw new ValidationError('QR content is empty.');
  try {
    const { modules } = createQr(content, { errorCorrectionLevel: ecc });
    return { size: modules.size, data: modules.data };
  } catch (e) {
    // qrcode's only input error is content that exceeds version 40 at this error-correction level.
    throw new ValidationError(
      `The content (${content.length} characters) is too long for a QR code at ecc '${ecc}'` +
        (ecc === 'L' ? '.' : "; try a lower ecc such as 'L'."),
      { reason: (e as Error).message },
    );
  }
}

export function renderQr(content: string, options: QrOptions): RenderedQr {
  const matrix = qrMatrix(content, options.ecc);
  if (options.format === 'png') return { contentType: 'image/png', body: matrixToPng(matrix, options) };
  return { contentType: 'image/svg+xml', body: Buffer.from(matrixToSvg(matrix, options), 'utf8') };
}

type Look = Pick<QrOptions, 'size' | 'margin' | 'fg' | 'bg'>;

/**
 * One `<path>` stroked 1 module wide along each horizontal run of dark modules: the first run starts with
 * `M x y.5`, later ones move relative to the end of the previous run (`m dx dy`), then `h n` draws n modules.
 * The viewBox is in modules, margin included, so the SVG scales to any size without losing crispness.
 */
export function matrixToSvg({ size: n, data }: QrMatrix, { size, margin, fg, bg }: Look): string {
  const total = n + 2 * margin;
  let d = '';
  let penX = 0;
  let penY = 0;
  let first = true;
  for (let r = 0; r < n; r++) {
    const row = r * n;
    let c = 0;
    while (c < n) {
      if (data[row + c] === 0) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && data[row + c] !== 0) c++;
      const x = start + margin;
      const y = r + margin;
      d += first ? `M${x} ${y}.5` : `m${x - penX} ${y - penY}`;
      d += `h${c - start}`;
      first = false;
      penX = x + (c - start);
      penY = y;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${total} ${total}" ` +
    `shape-rendering="crispEdges"><rect width="${total}" height="${total}" fill="#${bg}"/>` +
    (d ? `<path stroke="#${fg}" d="${d}"/>` : '') +
    '</svg>'
  );
}

/**
 * A size×size 1-bit PNG (palette: 0 = bg, 1 = fg). Each module is an integer number of pixels,
 * floor(size / (modules + 2 × margin)), and the code is centred with background padding.
 */
export function matrixToPng({ size: n, data }: QrMatrix, { size, margin, fg, bg }: Look): Buffer {
  const total = n + 2 * margin;
  if (total > size) {
    throw new ValidationError(
      `size ${size} is too small for this code: it is ${total} modules wide with margin ${margin}, so the PNG ` +
        `needs at least ${total} pixels; raise size, lower margin or ecc, or use format=svg`,
    );
  }
  const scale = Math.floor(size / total);
  const offset = Math.floor((size - n * scale) / 2); // first pixel of the code itself, margin centred around it
  const stride = 1 + rowBytes(size, 1);
  // Zero-filled: filter byte 0 (None) on every row and palette index 0 (bg) on every pixel.
  const scanlines = Buffer.alloc(size * stride);
  const row = new Uint8Array(stride);
  for (let r = 0; r < n; r++) {
    row.fill(0);
    const base = r * n;
    let dark = false;
    for (let c = 0; c < n; c++) {
      if (data[base + c] === 0) continue;
      dark = true;
      const end = offset + (c + 1) * scale;
      // row has 1 + ⌈size / 8⌉ bytes and x < size, so the index is always in it.
      for (let x = offset + c * scale; x < end; x++)
        row[1 + (x >> 3)] = (row[1 + (x >> 3)] ?? 0) | (0x80 >> (x & 7));
    }
    if (!dark) continue;
    const y0 = offset + r * scale;
    for (let s = 0; s < scale; s++) scanlines.set(row, (y0 + s) * stride);
  }
  return encodePalettePng({
    width: size,
    height: size,
    bitDepth: 1,
    palette: [hexToRgb(bg), hexToRgb(fg)],
    scanlines,
  });
}
