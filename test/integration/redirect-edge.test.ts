import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as redirectHandler } from '#handlers/redirect';
import { clearLinkCache } from '#links/cache';
import { edgeAddress } from '#redirect/viewer';
import { resetConfig } from '#shared/config';
import { setupApp } from '../support/app';
import { clickEvent } from '../support/events';
import { bodyOf, type Item, storedClicks } from '../support/inspect';

/**
 * Issue 16: CloudFront-Viewer-Country and CloudFront-Viewer-Address are believed only behind CloudFront
 * (TOUCHPOINT_TRUST_EDGE_HEADERS=1, set by the stack on the function-URL redirect alone). Anywhere else a
 * client could choose its country and, with cookies off, its visitor id. Behind CloudFront the socket
 * address is an edge server's, so the cookieless visitor hash must use the viewer address instead.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
let link: { id: string; slug: string };

function trustEdge(on: boolean): void {
  if (on) process.env.TOUCHPOINT_TRUST_EDGE_HEADERS = '1';
  else delete process.env.TOUCHPOINT_TRUST_EDGE_HEADERS;
  resetConfig();
}

/** One cookieless click (Global Privacy Control) from `sourceIp` with these headers; its stored click. */
async function click(sourceIp: string, headers: Record<string, string> = {}): Promise<Item> {
  const before = new Set((await storedClicks(link.id)).map((c) => c.id));
  const event = clickEvent(link.slug, { headers: { 'sec-gpc': '1', ...headers } });
  event.requestContext.http.sourceIp = sourceIp;
  expect((await redirectHandler(event)).statusCode).toBe(302);
  const added = (await storedClicks(link.id)).filter((c) => !before.has(c.id));
  expect(added).toHaveLength(1);
  return added[0]!;
}

beforeAll(async () => {
  app = await setupApp();
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: 'https://shop.example/edge', touchpoint: 'edge-poster', stage: 'awareness' },
  });
  link = bodyOf(res);
});

beforeEach(() => clearLinkCache());

afterAll(() => trustEdge(false));

describe('not behind CloudFront (the default)', () => {
  beforeEach(() => trustEdge(false));

  it('ignores a country header a client sends', async () => {
    expect((await click('198.51.100.1', { 'cloudfront-viewer-country': 'DE' })).country).toBeNull();
  });

  it('ignores a viewer address a client sends: the visitor hash uses the connection address', async () => {
    const a = await click('198.51.100.1', { 'cloudfront-viewer-address': '203.0.113.50:1234' });
    const b = await click('198.51.100.1', { 'cloudfront-viewer-address': '203.0.113.99:1234' });
    const c = await click('198.51.100.2', { 'cloudfront-viewer-address': '203.0.113.50:1234' });
    expect(b.visitorId).toBe(a.visitorId); // a spoofed address cannot make a new visitor
    expect(c.visitorId).not.toBe(a.visitorId); // nor pass as another
  });
});

describe('behind CloudFront (TOUCHPOINT_TRUST_EDGE_HEADERS=1)', () => {
  beforeEach(() => trustEdge(true));

  it('stores the viewer country, and nothing for a malformed one', async () => {
    expect((await click('198.51.100.1', { 'cloudfront-viewer-country': 'de' })).country).toBe('DE');
    expect((await click('198.51.100.1', { 'cloudfront-viewer-country': 'Germany' })).country).toBeNull();
  });

  it('hashes the viewer address, not the edge server that connected', async () => {
    const viaEdge1 = await click('130.176.0.1', { 'cloudfront-viewer-address': '203.0.113.50:40001' });
    const viaEdge2 = await click('130.176.0.2', { 'cloudfront-viewer-address': '203.0.113.50:40002' });
    const other = await click('130.176.0.1', { 'cloudfront-viewer-address': '203.0.113.51:40001' });
    expect(viaEdge2.visitorId).toBe(viaEdge1.visitorId); // same person, another edge and port
    expect(other.visitorId).not.toBe(viaEdge1.visitorId); // another person, same edge
  });

  it('reads IPv6 viewer addresses (address, then :port, no brackets)', async () => {
    const a = await click('130.176.0.1', { 'cloudfront-viewer-address': '2001:db8:3333::7:46532' });
    const b = await click('130.176.0.2', { 'cloudfront-viewer-address': '2001:DB8:3333:0::7:443' });
    const c = await click('130.176.0.1', { 'cloudfront-viewer-address': '2001:db8:3333::8:46532' });
    expect(b.visitorId).toBe(a.visitorId);
    expect(c.visitorId).not.toBe(a.visitorId);
  });

  it('falls back to the connection address when the viewer address is missing or malformed', async () => {
    const plain = await click('198.51.100.7');
    const malformed = await click('198.51.100.7', { 'cloudfront-viewer-address': 'evil.example:80' });
    expect(malformed.visitorId).toBe(plain.visitorId);
  });
});

describe('edgeAddress', () => {
  it.each([
    ['198.51.100.10:46532', '198.51.100.10'],
    ['2001:db8:3333:4444:5555:6666:7777:8888:46532', '2001:db8:3333:4444:5555:6666:7777:8888'],
    ['2001:DB8::1:443', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['2001:db8:0:0::1:443', '2001:db8::1'],
    ['198.51.100.10', null], // no port: not CloudFront's format
    ['198.51.100.10:', null],
    ['999.1.1.1:80', null],
    ['localhost:80', null],
    ['', null],
    [`${'1'.repeat(70)}:80`, null],
  ])('%s → %s', (header, expected) => {
    expect(edgeAddress(header)).toBe(expected);
  });
});
