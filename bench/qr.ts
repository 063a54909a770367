import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { parseQrOptions } from '#qr/model';
import { renderQr } from '#qr/service';

/**
 * Our QR renderer against qrcode's own toBuffer / toString at 512 px, same content, ecc M, margin 4.
 * Times are medians of per-call averages over several rounds, after a warm-up. Run: npx tsx bench/qr.ts
 */

export interface QrBenchResult {
  pngMsOurs: number;
  pngMsQrcode: number;
  svgMsOurs: number;
  svgMsQrcode: number;
  pngBytesOurs: number;
  pngBytesQrcode: number;
  svgBytesOurs: number;
  svgBytesQrcode: number;
  /** Both PNGs decode (pngjs + jsQR) to the content. */
  decodesSame: boolean;
}

const CONTENT = 'https://sho.rt/abc?r=qr';
const SIZE = 512;
const MARGIN = 4;

async function medianMs(fn: () => unknown, { rounds = 9, perRound = 20, warmup = 20 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < perRound; i++) await fn();
    perCall.push((performance.now() - start) / perRound);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)]!;
}

function scanPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

export async function benchQr(): Promise<QrBenchResult> {
  const pngOptions = parseQrOptions({ format: 'png', size: String(SIZE), margin: String(MARGIN), ecc: 'M' });
  const svgOptions = { ...pngOptions, format: 'svg' as const };
  const theirs = { width: SIZE, margin: MARGIN, errorCorrectionLevel: 'M' as const };

  const oursPng = () => renderQr(CONTENT, pngOptions).body;
  const oursSvg = () => renderQr(CONTENT, svgOptions).body;
  const qrcodePng = () => QRCode.toBuffer(CONTENT, { ...theirs, type: 'png' });
  const qrcodeSvg = () => QRCode.toString(CONTENT, { ...theirs, type: 'svg' });

  const pngOurs = oursPng();
  const pngQrcode = await qrcodePng();
  const decodesSame = scanPng(pngOurs) === CONTENT && scanPng(pngQrcode) === CONTENT;

  return {
    pngMsOurs: await medianMs(oursPng, { perRound: 200 }),
    pngMsQrcode: await medianMs(qrcodePng),
    svgMsOurs: await medianMs(oursSvg, { perRound: 200 }),
    svgMsQrcode: await medianMs(qrcodeSvg, { perRound: 200 }),
    pngBytesOurs: pngOurs.length,
    pngBytesQrcode: pngQrcode.length,
    svgBytesOurs: oursSvg().length,
    svgBytesQrcode: Buffer.byteLength(await qrcodeSvg()),
    decodesSame,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchQr();
  const ms = (n: number) => `${n.toFixed(3)} ms`;
  console.log(`QR ${SIZE}px, ecc M, margin ${MARGIN}, content ${CONTENT}`);
  console.log(
    `PNG: ours ${ms(result.pngMsOurs)} (${result.pngBytesOurs} B) vs qrcode ${ms(result.pngMsQrcode)} ` +
      `(${result.pngBytesQrcode} B): ${(result.pngMsQrcode / result.pngMsOurs).toFixed(1)}x faster, ` +
      `${(result.pngBytesQrcode / result.pngBytesOurs).toFixed(1)}x smaller`,
  );
  console.log(
    `SVG: ours ${ms(result.svgMsOurs)} (${result.svgBytesOurs} B) vs qrcode ${ms(result.svgMsQrcode)} ` +
      `(${result.svgBytesQrcode} B): ${(result.svgMsQrcode / result.svgMsOurs).toFixed(1)}x faster`,
  );
  console.log(`Both PNGs decode to the content: ${result.decodesSame}`);
}
