import { nanoid } from 'nanoid';
import { classifyUserAgent, referrerHost } from '#clicks/classify';
import { clickOnLink } from '#clicks/model';
import { clickPartition } from '#clicks/repository';
import { type PendingClickWrite, pendingClickWrite } from '#clicks/service';
import { identifyVisitor } from '#clicks/visitor';
import { findLinkForRedirect } from '#links/cache';
import { destinationFor, fallbackFor, withClickToken } from '#links/destination';
import { inactiveReason } from '#links/model';
import { config } from '#shared/config';
import { GoneError, NotFoundError } from '#shared/errors';
import { keys } from '#shared/keys';
import { SLUG_PATTERN } from '#shared/patterns';
import { viewerOf } from './viewer';

export interface RedirectRequest {
  method: 'GET' | 'HEAD';
  host: string | undefined;
  slug: string;
  query: URLSearchParams;
  headers: (name: string) => string | undefined;
  cookies: string[] | undefined;
  /** The socket's (or API Gateway's) client address; edge headers may name the real one (viewer.ts). */
  sourceIp: string;
  now: Date;
}

export interface RedirectResult {
  location: string;
  setCookie: string | null;
  /**
   * The click to store once the 302 is on its way (ADR 0027): null for HEAD and fallback redirects.
   * The caller runs it after responding; it never rejects.
   */
  clickWrite: PendingClickWrite | null;
}

const GONE_MESSAGES = {
  archived: 'This link has been archived.',
  expired: 'This link has expired.',
  exhausted: 'This link has reached its click limit.',
} as const;

/**
 * The redirect: find the link (cached), decide where to go, and describe the click to record. Nothing
 * here waits for the click write: the caller answers first and then runs `clickWrite` (ADR 0027). HEAD
 * answers the same but records nothing. Throws NotFoundError / GoneError / ServiceUnavailableError for
 * the handler to map.
 */
export async function redirect(req: RedirectRequest): Promise<RedirectResult> {
  const c = config();
  if (!SLUG_PATTERN.test(req.slug)) throw new NotFoundError(`There is no short link '/${req.slug}'.`);
  // Behind CloudFront the function URL is sent its own host name; the distribution's viewer-request
  // function passes the viewer's in X-Forwarded-Host, believed there only (ADRs 0028, 0030).
  const host = (
    (c.trustEdgeHeaders ? req.headers('x-forwarded-host') : undefined) ?? req.host
  )?.toLowerCase();
  const domain = host && c.shortDomains.includes(host) ? host : c.primaryDomain;
  const link = await findLinkForRedirect(domain, req.slug, req.now.getTime());
  if (!link) throw new NotFoundError(`There is no short link '/${req.slug}'.`);

  const inactive = inactiveReason(link, req.now.getTime());
  if (inactive) {
    const fallback = fallbackFor(link);
    if (fallback) return { location: fallback, setCookie: null, clickWrite: null };
    throw new GoneError(GONE_MESSAGES[inactive]);
  }
  const location = destinationFor(link, req.query);
  if (req.method === 'HEAD') return { location, setCookie: null, clickWrite: null };

  const viewer = viewerOf(req.headers, req.sourceIp, c.trustEdgeHeaders);
  const userAgent = req.headers('user-agent') ?? '';
  const agent = classifyUserAgent(userAgent);
  const visitor = await identifyVisitor({
    cookieHeader: req.headers('cookie'),
    cookies: req.cookies,
    globalPrivacyControl: req.headers('sec-gpc') === '1',
    cookiesEnabled: c.visitorCookies,
    clientAddress: viewer.address,
    userAgent,
    secure: c.baseUrl.startsWith('https:'),
    retentionDays: c.clickRetentionDays,
    now: req.now,
  });
  const click = clickOnLink(link, {
    // The click that mints a visitor id is stored under that id (keys.firstClick, ADR 0015).
    id: visitor.isNew ? visitor.id : nanoid(12),
    at: req.now.toISOString(),
    source: req.query.get('r') === 'qr' ? 'scan' : 'click',
    visitorId: visitor.id,
    ...agent,
    referrer: referrerHost(req.headers('referer')),
    country: viewer.country,
    ...(visitor.isNew ? { newVisitor: true } : {}),
  });
  const partition = clickPartition(click);
  const target = link.trackConversions
    ? withClickToken(location, keys.clickToken(req.now.getTime(), partition, click.id))
    : location;
  // Bots get no cookie: crawlers would otherwise mint a new visitor on every fetch.
  return {
    location: target,
    setCookie: agent.bot ? null : visitor.setCookie,
    clickWrite: pendingClickWrite(click, partition),
  };
}
