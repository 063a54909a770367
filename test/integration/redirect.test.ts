import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as redirectHandler } from '#handlers/redirect';
import { clearLinkCache } from '#links/cache';
import type { HttpResult } from '#shared/http';
import { keys, MINTED_VISITOR_ID } from '#shared/keys';
import { setupApp } from '../support/app';
import { BOT_UA, BROWSER_UA, clickEvent, DESKTOP_UA } from '../support/events';
import { bodyOf, expectApiError, type Item, type Json, storedClicks } from '../support/inspect';

type App = Awaited<ReturnType<typeof setupApp>>;
type Link = Json;

let app: App;

async function create(body: Record<string, unknown>): Promise<Link> {
  const res = await app.api({ method: 'POST', path: '/api/links', body });
  expect(res.statusCode, res.body).toBe(201);
  return bodyOf(res);
}

let n = 0;
/** A fresh link (so each test counts only its own clicks). */
function freshLink(extra: Record<string, unknown> = {}): Promise<Link> {
  n++;
  return create({
    url: `https://shop.example/landing/${n}`,
    touchpoint: `redirect-${n}`,
    stage: 'consideration',
    ...extra,
  });
}

/** One GET with full control of the request (source IP, missing headers). */
function get(
  slug: string,
  options: Parameters<typeof clickEvent>[1] & { sourceIp?: string; withoutUserAgent?: boolean } = {},
): Promise<HttpResult> {
  const event = clickEvent(slug, options);
  if (options.sourceIp) event.requestContext.http.sourceIp = options.sourceIp;
  if (options.withoutUserAgent) {
    delete event.headers['user-agent'];
    event.requestContext.http.userAgent = '';
  }
  return redirectHandler(event);
}

function cookieOf(res: HttpResult): string | undefined {
  return res.cookies?.find((c) => c.startsWith('tp_vid='));
}

async function onlyClick(linkId: string): Promise<Item> {
  const clicks = await storedClicks(linkId);
  expect(clicks).toHaveLength(1);
  return clicks[0]!;
}

beforeAll(async () => {
  app = await setupApp();
});

beforeEach(() => {
  clearLinkCache();
});

describe('GET /{slug}', () => {
  it('answers 302 to the destination with the UTM parameters and the request query minus r', async () => {
    const link = await freshLink({
      url: 'https://shop.example/spring?lang=en&utm_medium=print',
      utm: { source: 'poster', campaign: 'spring' },
    });
    const res = await app.click(link.slug, {
      query: { r: 'qr', coupon: 'SAVE10', lang: 'de', utm_campaign: 'forged', utm_content: 'lobby' },
    });
    expect(res.statusCode).toBe(302);
    const location = new URL(res.headers!.location!);
    expect(location.origin + location.pathname).toBe('https://shop.example/spring');
    // The request's own parameters replace the destination's, and add to them.
    expect(location.searchParams.getAll('lang')).toEqual(['de']);
    expect(location.searchParams.get('coupon')).toBe('SAVE10');
    // The UTMs the link sets (in utm or in its URL) are its campaign's attribution: the request cannot
    // rewrite them, only set one the link leaves open (ADR 4).
    expect(location.searchParams.getAll('utm_source')).toEqual(['poster']);
    expect(location.searchParams.getAll('utm_medium')).toEqual(['print']);
    expect(location.searchParams.getAll('utm_campaign')).toEqual(['spring']);
    expect(location.searchParams.getAll('utm_content')).toEqual(['lobby']);
    expect(location.searchParams.has('r')).toBe(false);
  });

  it('is not cacheable and sets the visitor cookie (HttpOnly, SameSite=Lax, Secure), whose id the click carries', async () => {
    const link = await freshLink();
    const res = await app.click(link.slug);
    expect(res.statusCode).toBe(302);
    expect(res.headers?.['cache-control']).toBe('no-store');
    // The browser's own referrer policy applies: the destination is not handed the full referring URL.
    expect(res.headers?.['referrer-policy']).toBeUndefined();
    const cookie = cookieOf(res);
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/^tp_vid=[^;]+/);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(cookie).toMatch(/;\s*Max-Age=\d+/i);
    expect(cookie).toMatch(/;\s*Secure/i); // the short domain is https
    const visitorId = cookie!.split(';')[0]!.split('=')[1];
    expect((await onlyClick(link.id)).visitorId).toBe(visitorId);
  });

  it('reuses an existing visitor cookie: same visitor id, no new cookie', async () => {
    const first = await freshLink();
    const second = await freshLink();
    const cookie = cookieOf(await app.click(first.slug))!.split(';')[0]!;
    const res = await app.click(second.slug, { cookies: [cookie] });
    expect(res.statusCode).toBe(302);
    expect(cookieOf(res)).toBeUndefined();
    const a = await onlyClick(first.id);
    const b = await onlyClick(second.id);
    expect(b.visitorId).toBe(a.visitorId);
    // Also when the cookie arrives as a Cookie header (as some integrations send it).
    const third = await freshLink();
    const viaHeader = await app.click(third.slug, { headers: { cookie: `other=1; ${cookie}` } });
    expect(cookieOf(viaHeader)).toBeUndefined();
    expect((await onlyClick(third.id)).visitorId).toBe(a.visitorId);
  });

  it('ignores a forged visitor cookie and issues a fresh one', async () => {
    const link = await freshLink();
    const res = await app.click(link.slug, { cookies: ['tp_vid=<script>alert(1)</script>'] });
    const cookie = cookieOf(res);
    expect(cookie).toBeDefined();
    expect((await onlyClick(link.id)).visitorId).not.toContain('<');
  });

  it('records ?r=qr as a scan and a plain GET as a click', async () => {
    const link = await freshLink();
    await app.click(link.slug, { query: { r: 'qr' } });
    await app.click(link.slug);
    const sources = (await storedClicks(link.id)).map((c) => c.source).sort();
    expect(sources).toEqual(['click', 'scan']);
  });

  it('stores one click per GET', async () => {
    const link = await freshLink();
    for (let i = 0; i < 5; i++) expect((await app.click(link.slug)).statusCode).toBe(302);
    const clicks = await storedClicks(link.id);
    expect(clicks).toHaveLength(5);
    expect(new Set(clicks.map((c) => `${c.pk}|${c.sk}`)).size).toBe(5);
  });

  it('stores the click with time, link, source, visitor, device, OS, browser and referrer host', async () => {
    const link = await freshLink();
    const before = Date.now();
    await app.click(link.slug, {
      userAgent: BROWSER_UA,
      headers: {
        referer: 'https://www.instagram.com/p/Cx1234/?igshid=secret-tracking-id',
        'cloudfront-viewer-country': 'DE',
      },
    });
    const click = await onlyClick(link.id);
    expect(click).toMatchObject({
      entity: 'click',
      linkId: link.id,
      slug: link.slug,
      touchpoint: link.touchpoint,
      stage: 'consideration',
      journey: 'default',
      source: 'click',
      bot: false,
      device: 'mobile',
      os: 'iOS',
      browser: 'Safari',
      referrer: 'www.instagram.com',
      // Not behind CloudFront (TOUCHPOINT_TRUST_EDGE_HEADERS unset): a client's own edge header is ignored.
      // The trusted case is in redirect-edge.test.ts.
      country: null,
    });
    // A new visitor: the id names this click, which is stored where the id says (ADR 0015).
    expect(click.visitorId).toMatch(MINTED_VISITOR_ID);
    expect(click.id).toBe(click.visitorId);
    expect(click.newVisitor).toBe(true);
    expect({ pk: click.pk, sk: click.sk }).toEqual(keys.firstClick(click.visitorId as string)!.key);
    expect(keys.firstClick(click.visitorId as string)!.at).toBe(click.at);
    const at = Date.parse(click.at as string);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    expect(click.ttl).toBeGreaterThan(Math.floor(Date.now() / 1000));
    const dump = JSON.stringify(click);
    expect(dump).not.toContain('/p/Cx1234');
    expect(dump).not.toContain('secret-tracking-id');
  });

  it('parses a desktop browser and leaves country empty without the edge header', async () => {
    const link = await freshLink();
    await app.click(link.slug, { userAgent: DESKTOP_UA });
    expect(await onlyClick(link.id)).toMatchObject({
      bot: false,
      device: 'desktop',
      os: 'Windows',
      browser: 'Chrome',
      country: null,
      referrer: null,
    });
  });

  it('flags Googlebot as a bot and gives it no cookie (but still redirects)', async () => {
    const link = await freshLink();
    const res = await app.click(link.slug, { userAgent: BOT_UA });
    expect(res.statusCode).toBe(302);
    expect(cookieOf(res)).toBeUndefined();
    expect((await onlyClick(link.id)).bot).toBe(true);
  });

  it('flags a request without a user agent as a bot', async () => {
    const link = await freshLink();
    const res = await get(link.slug, { withoutUserAgent: true });
    expect(res.statusCode).toBe(302);
    expect((await onlyClick(link.id)).bot).toBe(true);
  });

  it('stores no raw IP address anywhere in the click', async () => {
    const link = await freshLink();
    const ip = '198.51.100.217';
    await get(link.slug, { sourceIp: ip, headers: { 'x-forwarded-for': ip } });
    await get(link.slug, { sourceIp: ip, headers: { 'sec-gpc': '1', 'x-forwarded-for': ip } });
    const clicks = await storedClicks(link.id);
    expect(clicks).toHaveLength(2);
    for (const click of clicks) expect(JSON.stringify(click)).not.toContain(ip);
  });

  it('answers 404 with the error JSON for an unknown slug, and stores nothing', async () => {
    const before = (await storedClicks()).length;
    expectApiError(await app.click('no-such-slug'), 404, 'not_found');
    expectApiError(await app.click('bad slug!'), 404, 'not_found');
    expect((await storedClicks()).length).toBe(before);
  });

  it('sends an expired link to its fallback URL, or answers 410 without one', async () => {
    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const withFallback = await freshLink({ expiresAt, fallbackUrl: 'https://shop.example/expired' });
    const without = await freshLink({ expiresAt });
    expect((await app.click(without.slug)).statusCode).toBe(302);
    // Wait for the expiry (no real-time assertion: only that it has passed).
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expiresAt) - Date.now() + 100)));
    const before = (await storedClicks()).length;
    const fallback = await app.click(withFallback.slug);
    expect(fallback.statusCode).toBe(302);
    expect(fallback.headers?.location).toBe('https://shop.example/expired');
    // Served from the cache or not, the expiry applies at once.
    expectApiError(await app.click(without.slug), 410, 'gone');
    expect((await storedClicks()).length).toBe(before);
    expect(bodyOf(await app.api({ path: `/api/links/${without.id}` })).status).toBe('expired');
  });
});

describe('HEAD /{slug}', () => {
  it('answers the same status and location as GET, and stores no click and no cookie', async () => {
    const link = await freshLink({ utm: { source: 'head' } });
    const head = await app.click(link.slug, { method: 'HEAD', query: { a: '1' } });
    const get1 = await app.click(link.slug, { query: { a: '1' } });
    expect(head.statusCode).toBe(302);
    expect(head.headers?.location).toBe(get1.headers?.location);
    expect(head.headers?.['cache-control']).toBe('no-store');
    expect(cookieOf(head)).toBeUndefined();
    await app.click(link.slug, { method: 'HEAD', query: { r: 'qr' } });
    expect(await storedClicks(link.id)).toHaveLength(1);
  });

  it('answers 404 for an unknown slug and 410 for an archived link', async () => {
    expect((await app.click('nothing-here', { method: 'HEAD' })).statusCode).toBe(404);
    const link = await freshLink();
    await app.api({ method: 'DELETE', path: `/api/links/${link.id}` });
    clearLinkCache();
    expect((await app.click(link.slug, { method: 'HEAD' })).statusCode).toBe(410);
    expect(await storedClicks(link.id)).toHaveLength(0);
  });
});

describe('Global Privacy Control (Sec-GPC: 1)', () => {
  it('sets no cookie and uses a hashed visitor id', async () => {
    const link = await freshLink();
    const res = await get(link.slug, { headers: { 'sec-gpc': '1' } });
    expect(res.statusCode).toBe(302);
    expect(res.cookies ?? []).toHaveLength(0);
    expect((await onlyClick(link.id)).visitorId).toMatch(/^h_[A-Za-z0-9_-]{16,}$/);
  });

  it('ignores an existing cookie and does not reveal it', async () => {
    const link = await freshLink();
    const cookie = cookieOf(await app.click((await freshLink()).slug))!.split(';')[0]!;
    const res = await get(link.slug, { headers: { 'sec-gpc': '1' }, cookies: [cookie] });
    expect(res.cookies ?? []).toHaveLength(0);
    const click = await onlyClick(link.id);
    expect(click.visitorId).toMatch(/^h_/);
    expect(click.visitorId).not.toBe(cookie.split('=')[1]);
  });

  it('gives the same id for the same IP and user agent on the same day, another for another IP or UA', async () => {
    const link = await freshLink();
    const gpc = { 'sec-gpc': '1' };
    await get(link.slug, { headers: gpc, sourceIp: '192.0.2.10', userAgent: BROWSER_UA });
    await get(link.slug, { headers: gpc, sourceIp: '192.0.2.10', userAgent: BROWSER_UA });
    await get(link.slug, { headers: gpc, sourceIp: '192.0.2.11', userAgent: BROWSER_UA });
    await get(link.slug, { headers: gpc, sourceIp: '192.0.2.10', userAgent: DESKTOP_UA });
    const clicks = (await storedClicks(link.id)).sort((a, b) => String(a.at).localeCompare(String(b.at)));
    expect(clicks).toHaveLength(4);
    const ids = clicks.map((c) => c.visitorId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(ids[3]).not.toBe(ids[0]);
    expect(ids[3]).not.toBe(ids[2]);
    for (const c of clicks) expect(JSON.stringify(c)).not.toContain('192.0.2.1');
  });
});
