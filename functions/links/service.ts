import { assertStageInJourney, assertTouchpointStage } from '#journeys/service';
import { config } from '#shared/config';
import { decodeCursor, encodeCursor } from '#shared/cursor';
import { AppError, NotFoundError, ValidationError } from '#shared/errors';
import type { Link, LinkView } from './model';
import { toView } from './model';
import { getLinkById, insertLink, queryLinks, replaceLink } from './repository';
import type { CreateLinkInput, ListLinksQuery, UpdateLinkInput } from './schema';
import { generateLinkId, generateSlug, isReservedSlug } from './slug';

const MAX_SLUG_ATTEMPTS = 4;

export function view(link: Link): LinkView {
  const c = config();
  return toView(link, c.baseUrl, c.primaryDomain);
}

/** Loopback names (after the URL parser normalised `2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`, …). */
function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
    hostname === '0.0.0.0' ||
    hostname === '[::1]' ||
    hostname === '[::]' ||
    /^\[::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|0:0)\]$/.test(hostname)
  );
}

const defaultPort = (protocol: string) => (protocol === 'https:' ? '443' : '80');

/**
 * A destination must not point back at this service by any name we know: the short domains, the aliases
 * in `TOUCHPOINT_SHORT_DOMAIN_ALIASES` (CloudFront's and API Gateway's default host names), and, when the
 * service itself answers on loopback (the local server), every loopback name on its port. A loop would
 * turn one visit into many counted clicks.
 */
function assertNotShortDomain(url: string, field: string): void {
  const parsed = new URL(url);
  // `tp.test.` is the same host as `tp.test` (a fully qualified name), so drop a trailing dot.
  const hostname = parsed.hostname.toLowerCase().replace(/\.$/, '');
  const host = parsed.port ? `${hostname}:${parsed.port}` : hostname;
  const c = config();
  const base = new URL(c.baseUrl);
  const selfOnLoopback =
    isLoopback(base.hostname) &&
    isLoopback(hostname) &&
    (parsed.port || defaultPort(parsed.protocol)) === (base.port || defaultPort(base.protocol));
  const names = [...c.shortDomains, ...c.shortDomainAliases];
  if (selfOnLoopback || names.some((d) => d === host || d === hostname)) {
    throw new ValidationError(`${field} must not point at this service (${hostname}); that would loop.`);
  }
}

function resolveDomain(domain: string | undefined): string {
  const c = config();
  if (domain === undefined) return c.primaryDomain;
  if (!c.shortDomains.includes(domain)) {
    throw new ValidationError(`Domain '${domain}' is not one of this installation's short domains.`, {
      domains: c.shortDomains,
    });
  }
  return domain;
}

function assertFuture(expiresAt: string | null | undefined, now: Date): void {
  if (expiresAt && Date.parse(expiresAt) <= now.getTime()) {
    throw new ValidationError('expiresAt is in the past; a link must expire in the future.');
  }
}

export async function createLink(input: CreateLinkInput, now = new Date()): Promise<LinkView> {
  assertNotShortDomain(input.url, 'url');
  if (input.fallbackUrl) assertNotShortDomain(input.fallbackUrl, 'fallbackUrl');
  if (input.slug && isReservedSlug(input.slug)) {
    throw new ValidationError(`The slug '${input.slug}' is reserved; choose another.`);
  }
  assertFuture(input.expiresAt, now);
  const domain = resolveDomain(input.domain);
  await assertStageInJourney(input.journey, input.stage);
  await assertTouchpointStage(input.journey, input.touchpoint, input.stage, 0);
  const at = now.toISOString();
  const base: Omit<Link, 'id' | 'slug'> = {
    domain,
    url: input.url,
    touchpoint: input.touchpoint,
    stage: input.stage,
    journey: input.journey,
    channel: input.channel ?? null,
    category: input.category ?? null,
    campaign: input.campaign ?? null,
    tags: input.tags,
    utm: input.utm,
    expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
    maxClicks: input.maxClicks ?? null,
    fallbackUrl: input.fallbackUrl ?? null,
    trackConversions: input.trackConversions,
    status: 'active',
    exhaustedAt: null,
    createdAt: at,
    updatedAt: at,
  };
  for (let attempt = 1; ; attempt++) {
    const link: Link = { ...base, id: generateLinkId(), slug: input.slug ?? generateSlug() };
    try {
      await insertLink(link);
      return view(link);
    } catch (err) {
      const retryable = !input.slug && err instanceof AppError && err.status === 409;
      if (!retryable || attempt >= MAX_SLUG_ATTEMPTS) throw err;
    }
  }
}

const LINK_ID_PATTERN = /^[0-9a-z]{1,64}$/;

export async function getLink(id: string): Promise<Link> {
  // Ids we issue are short lowercase alphanumerics; anything else cannot exist (and DynamoDB would
  // reject keys over 2 KB with an error instead of "not found").
  const link = LINK_ID_PATTERN.test(id) ? await getLinkById(id) : null;
  if (!link) throw new NotFoundError(`There is no link with id '${id}'.`);
  return link;
}

export async function updateLink(id: string, input: UpdateLinkInput, now = new Date()): Promise<LinkView> {
  const before = await getLink(id);
  if (input.url) assertNotShortDomain(input.url, 'url');
  if (input.fallbackUrl) assertNotShortDomain(input.fallbackUrl, 'fallbackUrl');
  assertFuture(input.expiresAt, now);
  const { slug: _slug, domain: _domain, ...changes } = input;
  const after: Link = {
    ...before,
    ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
    updatedAt: laterIso(now, before.updatedAt),
  } as Link;
  if (changes.expiresAt) after.expiresAt = new Date(changes.expiresAt).toISOString();
  // Raising or removing the click limit re-opens an exhausted link.
  if (changes.maxClicks !== undefined && changes.maxClicks !== before.maxClicks) after.exhaustedAt = null;
  const placementChanged =
    after.journey !== before.journey ||
    after.stage !== before.stage ||
    after.touchpoint !== before.touchpoint;
  const restored = before.status === 'archived' && after.status === 'active';
  if (after.status === 'active' && (placementChanged || restored)) {
    // The journey may have been redefined while the link was archived.
    await assertStageInJourney(after.journey, after.stage);
    const ownLinks =
      before.status === 'active' && before.journey === after.journey && before.touchpoint === after.touchpoint
        ? 1
        : 0;
    await assertTouchpointStage(after.journey, after.touchpoint, after.stage, ownLinks);
  }
  await replaceLink(before, after);
  return view(after);
}

/** Timestamps must move forward even when two edits land in the same millisecond (optimistic locking). */
function laterIso(now: Date, previous: string): string {
  const t = Math.max(now.getTime(), Date.parse(previous) + 1);
  return new Date(t).toISOString();
}

export async function archiveLink(id: string, now = new Date()): Promise<void> {
  const before = await getLink(id);
  if (before.status === 'archived') return;
  await replaceLink(before, { ...before, status: 'archived', updatedAt: laterIso(now, before.updatedAt) });
}

/** Rebuilds the start key from exactly the attributes a listing cursor holds, each checked. */
function linkCursorKey(decoded: Record<string, string>): Record<string, string> {
  const { pk, sk, gsi1pk, gsi1sk } = decoded;
  const id = typeof pk === 'string' ? /^LINK#([0-9a-z]{1,64})$/.exec(pk)?.[1] : undefined;
  // The listing sort key is `<createdAt ISO>#<id>` of the same link (keys.linkListing): anything else is
  // forged, and DynamoDB would answer a ValidationException (a 500) for some forged keys, e.g. an empty one.
  const valid =
    id !== undefined &&
    sk === 'LINK' &&
    gsi1pk === 'LINKS' &&
    typeof gsi1sk === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#/.test(gsi1sk) &&
    gsi1sk.slice(25) === id &&
    Object.keys(decoded).length === 4;
  if (!valid)
    throw new ValidationError('The cursor is not valid; use nextCursor from a previous page as it is.');
  return { pk: `LINK#${id}`, sk, gsi1pk, gsi1sk };
}

export async function listLinks(
  query: ListLinksQuery,
): Promise<{ items: LinkView[]; nextCursor: string | null }> {
  const { limit, cursor, ...filter } = query;
  const page = await queryLinks(filter, limit, cursor ? linkCursorKey(decodeCursor(cursor)) : undefined);
  return { items: page.items.map(view), nextCursor: page.nextKey ? encodeCursor(page.nextKey) : null };
}
