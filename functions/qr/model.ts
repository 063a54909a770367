import '#shared/zod-locale';
import * as z from 'zod/mini';
import { ValidationError } from '#shared/errors';

/** Options for rendering a QR code, parsed from a query string (every value arrives as a string). */

export const QR_MIN_SIZE = 64;
export const QR_MAX_SIZE = 2048;
export const QR_MAX_MARGIN = 16;
/** WCAG 2 "large text / graphics" contrast; below it many phone cameras fail to find the code. */
export const QR_MIN_CONTRAST = 3;

/** Trims, and treats an empty value (`?size=`) like an absent one so the default applies. */
const blankToUndefined = (value: unknown) => {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
};

/** zod's preprocess: `fn` runs on the raw value, then `schema` validates the result. */
const preprocess = <T extends z.ZodMiniType>(fn: (value: unknown) => unknown, schema: T) =>
  z.pipe(z.transform(fn), schema);

/** Digits only, then a whole number from `min` to `max`; absent or blank gives `fallback`. */
const wholeNumber = (min: number, max: number, fallback: number) =>
  preprocess(
    blankToUndefined,
    z._default(
      z.pipe(
        z.pipe(
          z.string().check(z.regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)),
          z.transform(Number),
        ),
        z
          .number()
          .check(
            z.int(),
            z.gte(min, `must be between ${min} and ${max}`),
            z.lte(max, `must be between ${min} and ${max}`),
          ),
      ),
      fallback,
    ),
  );

const HEX_COLOUR = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** A colour as 3 or 6 hex digits with or without '#', normalised to 6 lowercase digits without '#'. */
const colour = (fallback: string) =>
  preprocess(
    blankToUndefined,
    z._default(
      z.pipe(
        z
          .string()
          .check(
            z.regex(HEX_COLOUR, "must be a hex colour like '1a2b3c' or '#1a2b3c' (or 3 digits like 'fff')"),
          ),
        z.transform((value: string) => {
          const hex = value.replace('#', '').toLowerCase();
          return hex.length === 3 ? hex.replace(/./g, '$&$&') : hex;
        }),
      ),
      fallback,
    ),
  );

const oneOf = <const T extends readonly [string, ...string[]]>(
  values: T,
  fallback: T[number],
  normalise: (s: string) => string,
) =>
  preprocess(
    (value) => {
      const v = blankToUndefined(value);
      return typeof v === 'string' ? normalise(v) : v;
    },
    z._default(
      z.enum(values, { message: `must be one of ${values.map((v) => `'${v}'`).join(', ')}` }),
      fallback,
    ),
  );

export const qrOptionsSchema = z
  .object({
    format: oneOf(['svg', 'png'], 'svg', (s) => s.toLowerCase()),
    size: wholeNumber(QR_MIN_SIZE, QR_MAX_SIZE, 512),
    margin: wholeNumber(0, QR_MAX_MARGIN, 4),
    fg: colour('000000'),
    bg: colour('ffffff'),
    ecc: oneOf(['L', 'M', 'Q', 'H'], 'M', (s) => s.toUpperCase()),
  })
  .check(
    z.superRefine((options, ctx) => {
      const ratio = contrastRatio(options.fg, options.bg);
      if (ratio < QR_MIN_CONTRAST) {
        ctx.addIssue({
          code: 'custom',
          path: ['fg'],
          message:
            `fg '${options.fg}' and bg '${options.bg}' have a contrast ratio of ${ratio.toFixed(2)}:1; ` +
            `at least ${QR_MIN_CONTRAST}:1 is needed for the code to scan reliably`,
        });
      }
    }),
  );

export type QrOptions = z.output<typeof qrOptionsSchema>;
export type QrFormat = QrOptions['format'];
export type QrEcc = QrOptions['ecc'];

/** Parses `format`, `size`, `margin`, `fg`, `bg` and `ecc` from a query string; throws a 400 on bad input. */
export function parseQrOptions(query: Record<string, string | undefined>): QrOptions {
  const { format, size, margin, fg, bg, ecc } = query;
  const result = qrOptionsSchema.safeParse({ format, size, margin, fg, bg, ecc });
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const message = issues
    .map((i) => (i.path && !i.message.startsWith(`${i.path} `) ? `${i.path} ${i.message}` : i.message))
    .join('; ');
  throw new ValidationError(message, { issues });
}

/** 6 hex digits to [r, g, b] bytes. */
export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/** WCAG 2 relative luminance of a 6-digit hex colour. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = hexToRgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio, from 1 (same colour) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}
