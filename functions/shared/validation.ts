import './zod-locale';
import * as z from 'zod/mini';

/** Building blocks for the zod schemas at the edge, shared by every concept. */

import { NAME_PATTERN } from './patterns';

export { NAME_PATTERN, SLUG_PATTERN } from './patterns';

export const nameSchema = (what: string) =>
  z
    .string()
    .check(
      z.trim(),
      z.toLowerCase(),
      z.regex(
        NAME_PATTERN,
        `${what} must be 1-80 characters of a-z, 0-9, '-', '_' or '.', like 'spring-poster-lobby'`,
      ),
    );

/**
 * Characters no free text may hold: C0 and C1 controls and DEL (NUL, CR, LF, TAB, ESC …), the bidi
 * embeddings, overrides and isolates (U+202A–202E, U+2066–2069) that make text display in another order
 * than it is stored, line and paragraph separators, and lone surrogates (they do not survive UTF-8, so
 * they could not round-trip). Joiners (ZWNJ, ZWJ) and the LRM/RLM marks stay allowed: Persian words and
 * emoji sequences such as 👩‍💻 need them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const FORBIDDEN_IN_TEXT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\p{Cs}/u;
/** Text that shows nothing: format characters, spaces, combining marks and fillers only. */
const INVISIBLE_ONLY = /^[\p{Cf}\p{Z}\p{M}\u115f\u1160\u3164\uffa0\u2800]+$/u;

/** Why a piece of free text is refused, or null when it is fine. `lines` lets LF through (descriptions). */
export function textProblem(value: string, lines = false): string | null {
  const bad = FORBIDDEN_IN_TEXT.exec(lines ? value.replaceAll('\n', ' ') : value);
  if (bad) {
    const code = bad[0].codePointAt(0) ?? 0;
    return `must not contain control or bidi characters (found U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  }
  if (INVISIBLE_ONLY.test(value)) return 'must contain visible characters';
  return null;
}

/**
 * Free text (campaign, tags, UTM values, key names, descriptions): trimmed, `min`–`max` characters,
 * nothing invisible or control-like. What is accepted is stored and returned exactly as sent (trimmed).
 */
export const textSchema = (min: number, max: number, options: { lines?: boolean; tooLong?: string } = {}) =>
  z.string().check(
    z.trim(),
    z.minLength(min),
    z.maxLength(max, options.tooLong),
    z.superRefine((value, ctx) => {
      const problem = textProblem(value, options.lines);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: value });
    }),
  );

export const MAX_URL_LENGTH = 2048;

/** An absolute http(s) URL; whether it points back at a short domain is checked by the service. */
export const httpUrlSchema = z.string().check(
  z.trim(),
  z.maxLength(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`),
  // The WHATWG parser silently drops tabs and newlines, so the stored text would not be where
  // visitors go; spaces must be sent encoded (%20) for the same reason.
  z.refine(
    (value) => !/\s/u.test(value) && !FORBIDDEN_IN_TEXT.test(value),
    'must not contain spaces, control or bidi characters (encode them, e.g. %20)',
  ),
  z.refine((value) => {
    try {
      const u = new URL(value);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'must be an absolute http:// or https:// URL'),
  // What is stored must read as what visitors get: browsers' URL parser takes `https:\\evil.example`,
  // `https:/evil.example` and `https:evil.example` for `https://evil.example`, so such a link would look
  // like one thing in lists and go elsewhere. A backslash is not a URL character (RFC 3986): encode it.
  z.refine(
    (value) => /^[Hh][Tt][Tt][Pp][Ss]?:\/\/[^/\\?#]/.test(value) && !value.includes('\\'),
    'must start with http:// or https:// and a host, and hold no backslash (encode it as %5C)',
  ),
);

export const isoDateTimeSchema = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

/**
 * A whole-number query parameter in [min, max]: decimal digits only, so `0x10`, `1e1`, `+5` and ` 5`
 * (which `Number()` would accept) are refused with a clear message.
 */
export const queryIntegerSchema = (min: number, max: number, fallback: number) =>
  z._default(
    z.pipe(
      z.string().check(z.regex(/^\d{1,10}$/, `must be a whole number between ${min} and ${max}`)),
      z.pipe(z.transform(Number), z.number().check(z.gte(min), z.lte(max))),
    ),
    fallback,
  );
