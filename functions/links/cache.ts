import { config } from '../shared/config';
import type { Link } from './model';
import { getLinkBySlug } from './repository';

/**
 * In-memory cache of slug lookups for the redirect (DESIGN.md §2): a hit costs no DynamoDB request.
 * Entries live a few seconds so an edited destination takes effect quickly; misses live shorter so a
 * freshly created link starts working at once. Bounded: the oldest entries go first.
 */
const MAX_ENTRIES = 10_000;
const entries = new Map<string, { link: Link | null; expiresAt: number }>();

export async function findLinkForRedirect(
  domain: string,
  slug: string,
  now = Date.now(),
): Promise<Link | null> {
  const cacheKey = `${domain}/${slug}`;
  const hit = entries.get(cacheKey);
  if (hit && hit.expiresAt > now) return hit.link;
  const link = await getLinkBySlug(domain, slug);
  const c = config();
  const ttl = link ? c.linkCacheTtlMs : c.linkNegativeCacheTtlMs;
  entries.delete(cacheKey);
  if (ttl > 0) {
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    entries.set(cacheKey, { link, expiresAt: now + ttl });
  }
  return link;
}

export function clearLinkCache(): void {
  entries.clear();
}
