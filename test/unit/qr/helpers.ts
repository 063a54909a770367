import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { crc32 } from '#qr/png';
import { type Bitmap, scanQr } from '../../support/qr-image';

/** Test helpers that read our QR output back without trusting the code under test. */

export const CONTENT = 'https://sho.rt/abc?r=qr';

export interface Chunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

/** Splits a PNG into its chunks without the encoder; CRCs use crc32, itself checked against standard values. */
export function readChunks(png: Buffer): Chunk[] {
  if (png.toString('latin1', 0, 8) !== '\x89PNG\r\n\x1a\n') throw new Error('not a PNG signature');
  const chunks: Chunk[] = [];
  let pos = 8;
  while (pos < png.length) {
    const length = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + length);
    const crc = png.readUInt32BE(pos + 8 + length);
    chunks.push({ type, data, crcOk: crc === crc32(png, pos + 4, pos + 8 + length) });
    pos += 12 + length;
  }
  if (pos !== png.length) throw new Error('trailing bytes after the last chunk');
  return chunks;
}

export type { Bitmap } from '../../support/qr-image';

export function decodePng(png: Buffer): Bitmap {
  const image = PNG.sync.read(png);
  return { width: image.width, height: image.height, rgba: new Uint8ClampedArray(image.data) };
}

/** The text a camera would read from the bitmap, or null (the tests' one QR reader). */
export const scan = scanQr;

/** The reference module grid from qrcode itself, as rows of 0/1. */
export function referenceGrid(content: string, ecc: 'L' | 'M' | 'Q' | 'H'): number[][] {
  const { modules } = QRCode.create(content, { errorCorrectionLevel: ecc });
  return Array.from({ length: modules.size }, (_, r) =>
    Array.from({ length: modules.size }, (_, c) => modules.get(r, c)),
  );
}

/** Surrounds a grid with `margin` light modules on every side. */
export function withMargin(grid: number[][], margin: number): number[][] {
  const total = grid.length + 2 * margin;
  return Array.from({ length: total }, (_, r) =>
    Array.from({ length: total }, (_, c) => grid[r - margin]?.[c - margin] ?? 0),
  );
}

export interface ParsedSvg {
  width: number;
  height: number;
  viewBox: number[];
  shapeRendering: string | null;
  bg: string | null;
  fg: string | null;
  /** The modules the path paints, viewBox-sized, 1 = dark. */
  grid: number[][];
}

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ?? null;

/**
 * Reads back the SVG: its root attributes, the background rect, and the path interpreted as a pen that
 * strokes 1-module-wide horizontal lines (`M`/`m` moves, `h` draws). Throws on anything it does not expect,
 * so a path that paints half modules, strays off the grid or uses other commands fails the test.
 */
export function parseSvg(svg: string): ParsedSvg {
  const root = /^<svg\s[^>]*>/.exec(svg)?.[0];
  if (!root || !svg.endsWith('</svg>')) throw new Error('not an <svg> document');
  if (attr(root, 'xmlns') !== 'http://www.w3.org/2000/svg') throw new Error('missing SVG namespace');
  const viewBox = (attr(root, 'viewBox') ?? '').split(' ').map(Number);
  const [minX, minY, vw, vh] = viewBox;
  if (minX !== 0 || minY !== 0 || !vw || vw !== vh || !Number.isInteger(vw))
    throw new Error(`bad viewBox ${viewBox}`);
  const rect = /<rect\s[^>]*\/>/.exec(svg)?.[0] ?? '';
  if (attr(rect, 'width') !== String(vw) || attr(rect, 'height') !== String(vh)) {
    throw new Error('background rect does not cover the viewBox');
  }
  const path = /<path\s[^>]*\/>/.exec(svg)?.[0] ?? '';
  const grid = Array.from({ length: vh }, () => new Array<number>(vw).fill(0));
  const d = attr(path, 'd') ?? '';
  const commands = d.match(/[A-Za-z][^A-Za-z]*/g) ?? [];
  if (commands.join('') !== d) throw new Error('path has stray text');
  let x = 0;
  let y = 0;
  for (const command of commands) {
    const op = command[0];
    const args = command
      .slice(1)
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (op === 'M' || op === 'm') {
      if (args.length !== 2 || args.some(Number.isNaN)) throw new Error(`bad move '${command}'`);
      x = op === 'M' ? args[0]! : x + args[0]!;
      y = op === 'M' ? args[1]! : y + args[1]!;
    } else if (op === 'h') {
      const n = args[0]!;
      if (args.length !== 1 || !Number.isInteger(n) || n <= 0) throw new Error(`bad run '${command}'`);
      // A stroke of width 1 along y covers the module row [y - 0.5, y + 0.5].
      const row = y - 0.5;
      if (!Number.isInteger(x) || !Number.isInteger(row))
        throw new Error(`run off the module grid at ${x},${y}`);
      for (let c = x; c < x + n; c++) {
        if (row < 0 || row >= vh || c < 0 || c >= vw)
          throw new Error(`run outside the viewBox at ${c},${row}`);
        if (grid[row]![c]) throw new Error(`module ${c},${row} painted twice`);
        grid[row]![c] = 1;
      }
      x += n;
    } else {
      throw new Error(`unexpected path command '${command}'`);
    }
  }
  if (path && attr(path, 'stroke-width') !== null && attr(path, 'stroke-width') !== '1') {
    throw new Error('path stroke is not 1 module wide');
  }
  return {
    width: Number(attr(root, 'width')),
    height: Number(attr(root, 'height')),
    viewBox,
    shapeRendering: attr(root, 'shape-rendering'),
    bg: attr(rect, 'fill'),
    fg: attr(path, 'stroke'),
    grid,
  };
}

const rgbOf = (hex: string) => {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff] as const;
};

/** Paints a module grid at `scale` pixels per module in the given colours. */
export function rasterise(grid: number[][], scale: number, fg: string, bg: string): Bitmap {
  const size = grid.length * scale;
  const rgba = new Uint8ClampedArray(size * size * 4);
  const dark = rgbOf(fg);
  const light = rgbOf(bg);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const [r, g, b] = grid[Math.floor(py / scale)]![Math.floor(px / scale)] ? dark : light;
      const i = (py * size + px) * 4;
      rgba[i] = r;
      rgba[i + 1] = g;
      rgba[i + 2] = b;
      rgba[i + 3] = 255;
    }
  }
  return { width: size, height: size, rgba };
}
