// qrcode's core module: only the matrix builder, without the renderers and the pngjs copy that the
// package entry pulls into the bundle. Types as in @types/qrcode.
declare module 'qrcode/lib/core/qrcode.js' {
  import type { QRCode, QRCodeOptions } from 'qrcode';
  export function create(text: string, options?: QRCodeOptions): QRCode;
}
