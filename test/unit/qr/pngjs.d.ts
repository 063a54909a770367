// Minimal types for the part of pngjs the QR tests and bench use (no @types/pngjs is installed).
declare module 'pngjs' {
  export class PNG {
    width: number;
    height: number;
    /** RGBA, 4 bytes per pixel, after decoding. */
    data: Buffer;
    static sync: {
      read(buffer: Buffer): PNG;
    };
  }
}
