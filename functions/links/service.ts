import { assertStageInJourney, assertTouchpointStage } from '#journeys/service';
import { config } from '#shared/config';
import { decodeCursor, encodeCursor } from '#shared/cursor';
import {
  AppError,
  NotFoundError,
  PreconditionFailedError,
  StaleWriteError,
  ValidationError,
} from '#shared/errors';
import { utmConflict } from './destination';
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

/** A link's `utm` must not contradict a `utm_*` its own URL sets (ADR 4): one of the two would be ignored. */
function assertUtmAgrees(url: string, utm: Link['utm']): void {
  const conflict = utmConflict(url, utm);
  if (conflict) throw new ValidationError(conflict, { field: 'utm' });
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
  assertUtmAgrees(input.url, input.utm);
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

/**
 * How often a blind edit (no If-Match) is tried when other edits of the link land first: each round one
 * of the racing edits wins, so this many people can edit one link at the same moment.
 */
const EDIT_ATTEMPTS = 10;

/** The link's version as an HTTP entity tag: it changes with every write (`updatedAt` always moves on). */
export function linkEtag(link: Pick<Link, 'updatedAt'>): string {
  return `"${Date.parse(link.updatedAt).toString(36)}"`;
}

export interface EditOptions {
  /** The client's `If-Match`: the edit applies only to that version of the link (412 otherwise). */
  ifMatch?: string;
  now?: Date;
}

/**
 * Edits a link: the fields sent replace the stored ones. Without `ifMatch` the edit is applied to the
 * current link whatever another client changed meanwhile (two people editing different fields both
 * win); with it, only to the version the client read, else 412.
 */
export async function updateLink(
  id: string,
  input: UpdateLinkInput,
  options: EditOptions = {},
): Promise<Link> {
  // What depends on the input alone is checked once, not on every attempt of the edit.
  const now = options.now ?? new Date();
  if (input.url) assertNotShortDomain(input.url, 'url');
  if (input.fallbackUrl) assertNotShortDomain(input.fallbackUrl, 'fallbackUrl');
  assertFuture(input.expiresAt, now);
  return editLink(id, { ...options, now }, async (before) => {
    const { slug: _slug, domain: _domain, ...changes } = input;
    const after: Link = {
      ...before,
      ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
      updatedAt: laterIso(now, before.updatedAt),
    } as Link;
    if (changes.expiresAt) after.expiresAt = new Date(changes.expiresAt).toISOString();
    if (changes.url || changes.utm) assertUtmAgrees(after.url, after.utm);
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
        before.status === 'active' &&
        before.journey === after.journey &&
        before.touchpoint === after.touchpoint
          ? 1
          : 0;
      await assertTouchpointStage(after.journey, after.touchpoint, after.stage, ownLinks);
    }
    return after;
  });
}

/**
 * Read, change, write with optimistic locking. A lost race is retried on a fresh read unless the client
 * pinned a version with If-Match, which then answers 412.
 */
async function editLink(
  id: string,
  options: EditOptions,
  change: (before: Link, now: Date) => Promise<Link | null>,
): Promise<Link> {
  for (let attempt = 1; ; attempt++) {
    const before = await getLink(id);
    if (options.ifMatch !== undefined && !etagMatches(options.ifMatch, before)) {
      throw new PreconditionFailedError(
        `The link has changed since you read it (its ETag is now ${linkEtag(before)}); read it again.`,
      );
    }
    const after = await change(before, options.now ?? new Date());
    if (!after) return before;
    try {
      await replaceLink(before, after);
      return after;
    } catch (err) {
      const retry =
        err instanceof StaleWriteError && options.ifMatch === undefined && attempt < EDIT_ATTEMPTS;
      if (!retry)
        throw options.ifMatch !== undefined && err instanceof StaleWriteError ? precondition() : err;
      // A short jittered pause, so the racing edits do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

const precondition = () =>
  new PreconditionFailedError('The link was changed by someone else meanwhile; read it again.');

/** `If-Match: *` or a list of entity tags, compared strongly (RFC 9110 §13.1.1): a weak tag never matches. */
function etagMatches(ifMatch: string, link: Link): boolean {
  const current = linkEtag(link);
  return ifMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag === current);
}

/** Timestamps must move forward even when two edits land in the same millisecond (optimistic locking). */
function laterIso(now: Date, previous: string): string {
  const t = Math.max(now.getTime(), Date.parse(previous) + 1);
  return new Date(t).toISOString();
}

export async function archiveLink(id: string, options: EditOptions = {}): Promise<void> {
  await editLink(id, options, async (before, now) =>
    before.status === 'archived'
      ? null
      : { ...before, status: 'archived', updatedAt: laterIso(now, before.updatedAt) },
  );
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
