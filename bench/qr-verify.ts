import jsQR from 'jsqr';
import QRCode from 'qrcode';
import { parseQrOptions } from '#qr/model';
import { renderQr } from '#qr/service';

/**
 * Decodes a QR SVG made of one stroked `<path>` of horizontal runs (ours and qrcode's both are: `M x y.5`,
 * relative `m dx dy`, `h n`), by rasterising the runs onto a pixel grid and reading it with jsQR.
 */
export function decodeSvg(svg: string, pixelsPerModule = 8): string | null {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  const path =
    /<path[^>]*stroke="[^"]*"[^>]*\sd="([^"]+)"/.exec(svg) ?? /<path[^>]*\sd="([^"]+)"[^>]*stroke=/.exec(svg);
  if (!viewBox || !path) return null;
  const modules = Number(viewBox[1]);
  const size = modules * pixelsPerModule;
  const rgba = new Uint8ClampedArray(size * size * 4).fill(255);
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of path[1]!.matchAll(/([MmHhVv])([^MmHhVv]*)/g)) {
    const n = args!
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (cmd === 'M') [x, y] = [n[0]!, n[1]!];
    else if (cmd === 'm') [x, y] = [x + n[0]!, y + n[1]!];
    else if (cmd === 'h' || cmd === 'H') {
      const to = cmd === 'h' ? x + n[0]! : n[0]!;
      const row = Math.floor(y);
      for (let py = row * pixelsPerModule; py < (row + 1) * pixelsPerModule; py++) {
        for (let px = Math.min(x, to) * pixelsPerModule; px < Math.max(x, to) * pixelsPerModule; px++) {
          const i = (py * size + px) * 4;
          rgba[i] = rgba[i + 1] = rgba[i + 2] = 0;
        }
      }
      x = to;
    } else return null; // vertical strokes do not occur in either renderer
  }
  return jsQR(rgba, size, size)?.data ?? null;
}

/** Both SVGs (ours and qrcode's) of the benchmark content decode back to it. */
export async function svgDecodes(
  content: string,
  size: number,
  margin: number,
): Promise<{ ours: boolean; qrcode: boolean }> {
  const options = parseQrOptions({ format: 'svg', size: String(size), margin: String(margin), ecc: 'M' });
  const ours = renderQr(content, options).body.toString('utf8');
  const theirs = await QRCode.toString(content, {
    type: 'svg',
    width: size,
    margin,
    errorCorrectionLevel: 'M',
  });
  return { ours: decodeSvg(ours) === content, qrcode: decodeSvg(theirs) === content };
}
