export {
  contrastRatio,
  parseQrOptions,
  QR_MAX_MARGIN,
  QR_MAX_SIZE,
  QR_MIN_CONTRAST,
  QR_MIN_SIZE,
  type QrEcc,
  type QrFormat,
  type QrOptions,
  qrOptionsSchema,
} from './model';
export { crc32, encodePalettePng, type PalettePng, type Rgb } from './png';
export { matrixToPng, matrixToSvg, type QrMatrix, qrMatrix, type RenderedQr, renderQr } from './service';
