import { customAlphabet } from 'nanoid';

/**
 * Generated slugs avoid look-alike characters (0/O/o, 1/l/I) because people type them from posters.
 * 55 symbols ^ 7 ≈ 1.5e12 slugs: a collision is retried, never silently overwritten.
 */
export const SLUG_ALPHABET = '23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
export const GENERATED_SLUG_LENGTH = 7;
export const generateSlug = customAlphabet(SLUG_ALPHABET, GENERATED_SLUG_LENGTH);
export const generateLinkId = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 16);

/** Paths the short domain serves itself; never usable as slugs (compared case-insensitively). */
export const RESERVED_SLUGS = new Set([
  'api',
  'healthz',
  'dashboard',
  'admin',
  'assets',
  'static',
  'docs',
  'openapi',
  'login',
  'logout',
  'signup',
  'settings',
  'favicon',
  'robots',
  'sitemap',
  'well-known',
  '_next',
  'r',
]);

export function isReservedSlug(slug: string): boolean {
  return RESERVED_SLUGS.has(slug.toLowerCase());
}
