import { config } from '#shared/config';
import { ServiceUnavailableError } from '#shared/errors';
import { log } from '#shared/log';
import type { Link } from './model';
import { getLinkBySlug } from './repository';

/**
 * In-memory cache of slug lookups for the redirect (docs/design.md §2): a hit costs no DynamoDB request.
 * Entries live a few seconds so an edited destination takes effect quickly; misses live shorter so a
 * freshly created link starts working at once. Bounded: the oldest entries go first.
 *
 * A redirect never hangs on DynamoDB (ADR 0025): an expired entry is refreshed with a deadline
 * (LINK_LOOKUP_TIMEOUT_MS); if the refresh fails or times out, a known link is served from its stale
 * entry (for at most LINK_STALE_MAX_HOURS since it was last read), and an unknown slug is a quick 503.
 */
const MAX_ENTRIES = 10_000;
/** After a failed refresh, the stale link is served this long before DynamoDB is asked again. */
const RETRY_AFTER_FAILURE_MS = 1_000;
/** What a 503 tells the client (Retry-After, seconds). */
const RETRY_AFTER_SECONDS = 2;

interface Entry {
  link: Link | null;
  expiresAt: number;
  /** When DynamoDB last answered for this slug: bounds how stale a served link can be. */
  readAt: number;
}

const entries = new Map<string, Entry>();
/** One lookup per slug at a time: concurrent redirects of an expired slug share it (and its deadline). */
const lookups = new Map<string, Promise<Link | null>>();

export async function findLinkForRedirect(
  domain: string,
  slug: string,
  now = Date.now(),
): Promise<Link | null> {
  const cacheKey = `${domain}/${slug}`;
  const hit = entries.get(cacheKey);
  if (hit && hit.expiresAt > now) return hit.link;
  try {
    return await lookup(cacheKey, domain, slug, now);
  } catch (err) {
    const error = err instanceof Error ? { name: err.name, message: err.message } : String(err);
    if (hit?.link && now - hit.readAt <= config().linkStaleMaxMs) {
      hit.expiresAt = now + RETRY_AFTER_FAILURE_MS;
      log.warn('link_served_stale', { domain, slug, staleMs: now - hit.readAt, error });
      return hit.link;
    }
    log.error('link_lookup_failed', { domain, slug, error });
    throw new ServiceUnavailableError(
      'Short links cannot be looked up right now. Please try again in a moment.',
      RETRY_AFTER_SECONDS,
    );
  }
}

function lookup(cacheKey: string, domain: string, slug: string, now: number): Promise<Link | null> {
  const running = lookups.get(cacheKey);
  if (running) return running;
  const c = config();
  const started = getLinkBySlug(domain, slug, { abortSignal: AbortSignal.timeout(c.linkLookupTimeoutMs) })
    .then((link) => {
      const ttl = link ? c.linkCacheTtlMs : c.linkNegativeCacheTtlMs;
      entries.delete(cacheKey);
      // A found link is kept even with a zero TTL: it is what an outage serves (stale) instead of a 503.
      if (link || ttl > 0) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
        entries.set(cacheKey, { link, expiresAt: now + ttl, readAt: now });
      }
      return link;
    })
    .finally(() => lookups.delete(cacheKey));
  lookups.set(cacheKey, started);
  return started;
}

export function clearLinkCache(): void {
  entries.clear();
  lookups.clear();
}
