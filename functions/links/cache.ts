import { config } from '../shared/config';
import { ServiceUnavailableError } from '../shared/errors';
import { log } from '../shared/log';
import type { Link } from './model';
import { getLinkBySlug } from './repository';

/**
 * In-memory cache of slug lookups for the redirect (docs/adr/0017): a hit costs no DynamoDB request.
 * Entries are fresh for a few seconds so an edited destination takes effect quickly; misses for less so
 * a freshly created link starts working at once. Bounded: the oldest entries go first.
 *
 * A printed QR code must keep working while DynamoDB stalls. So a lookup has a deadline
 * (`LINK_LOOKUP_TIMEOUT_MS`), and when a refresh fails or misses it, a known link is served from its
 * stale entry for up to STALE_LIMIT_MS. A slug with no known link then answers 503 at once, never hangs.
 */
const MAX_ENTRIES = 10_000;
const STALE_LIMIT_MS = 24 * 3_600_000;
const entries = new Map<string, { link: Link | null; expiresAt: number; fetchedAt: number }>();

export async function findLinkForRedirect(
  domain: string,
  slug: string,
  now = Date.now(),
): Promise<Link | null> {
  const cacheKey = `${domain}/${slug}`;
  const hit = entries.get(cacheKey);
  if (hit && hit.expiresAt > now) return hit.link;
  const c = config();
  let link: Link | null;
  try {
    link = await lookupWithDeadline(domain, slug, c.linkLookupTimeoutMs);
  } catch (err) {
    const stale = hit?.link && now - hit.fetchedAt <= STALE_LIMIT_MS ? hit.link : undefined;
    log.warn('link_lookup_failed', {
      domain,
      slug,
      servedStale: stale !== undefined,
      error: err instanceof Error ? err.message : String(err),
    });
    if (stale) return stale;
    throw new ServiceUnavailableError('The link could not be looked up just now. Please try again.');
  }
  const ttl = link ? c.linkCacheTtlMs : c.linkNegativeCacheTtlMs;
  entries.delete(cacheKey);
  if (ttl > 0 || link) {
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    entries.set(cacheKey, { link, expiresAt: now + ttl, fetchedAt: now });
  }
  return link;
}

/**
 * The lookup, abandoned at the deadline: the abort signal cancels the SDK request (and its retries), and
 * the timer answers even if a stalled connection ignores the abort.
 */
async function lookupWithDeadline(domain: string, slug: string, timeoutMs: number): Promise<Link | null> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error(`slug lookup exceeded ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([getLinkBySlug(domain, slug, { abortSignal: abort.signal }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function clearLinkCache(): void {
  entries.clear();
}
