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

export const MAX_URL_LENGTH = 2048;

/** An absolute http(s) URL; whether it points back at a short domain is checked by the service. */
export const httpUrlSchema = z.string().check(
  z.trim(),
  z.maxLength(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`),
  z.refine((value) => {
    try {
      const u = new URL(value);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'must be an absolute http:// or https:// URL'),
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
