import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as redirectHandler } from '#handlers/redirect';
import { clearLinkCache } from '#links/cache';
import { resetConfig } from '#shared/config';
import { setupApp } from '../support/app';
import { clickEvent } from '../support/events';

/**
 * Issue 16, the front door: CloudFront must send the function URL its own host name, so the redirect
 * learns which branded domain was asked for from X-Forwarded-Host (set by the distribution's
 * viewer-request function, lib/front-door.ts). Believed only behind CloudFront, like the other edge
 * headers; elsewhere the Host header decides, as before.
 */
const FUNCTION_URL_HOST = 'abcdefghijklmnop.lambda-url.eu-west-1.on.aws';
const saved = { ...process.env };

function configure(trustEdge: boolean): void {
  process.env.TOUCHPOINT_SHORT_DOMAINS = 'qr.tp.test';
  if (trustEdge) process.env.TOUCHPOINT_TRUST_EDGE_HEADERS = '1';
  else delete process.env.TOUCHPOINT_TRUST_EDGE_HEADERS;
  resetConfig();
  clearLinkCache();
}

async function locationFor(headers: Record<string, string>): Promise<string | undefined> {
  const res = await redirectHandler(clickEvent('spring', { headers }));
  expect(res.statusCode).toBe(302);
  return res.headers?.location as string | undefined;
}

beforeAll(async () => {
  configure(false);
  const app = await setupApp();
  for (const [domain, url] of [
    [undefined, 'https://shop.example/primary'],
    ['qr.tp.test', 'https://shop.example/qr'],
  ] as const) {
    const res = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url, slug: 'spring', touchpoint: 'poster', stage: 'awareness', ...(domain ? { domain } : {}) },
    });
    expect(res.statusCode).toBe(201);
  }
});

afterAll(() => {
  process.env = saved;
  resetConfig();
});

describe('behind CloudFront (function URL)', () => {
  beforeEach(() => configure(true));

  it("finds the link on the viewer's domain, not the function URL's", async () => {
    const viaEdge = { host: FUNCTION_URL_HOST };
    expect(await locationFor({ ...viaEdge, 'x-forwarded-host': 'qr.tp.test' })).toMatch(
      /^https:\/\/shop\.example\/qr/,
    );
    expect(await locationFor({ ...viaEdge, 'x-forwarded-host': 'TP.test' })).toMatch(
      /^https:\/\/shop\.example\/primary/,
    );
  });

  it('falls back to the primary domain for a host that is not a short domain', async () => {
    expect(await locationFor({ host: FUNCTION_URL_HOST })).toMatch(/\/primary/);
    expect(await locationFor({ host: FUNCTION_URL_HOST, 'x-forwarded-host': 'other.example' })).toMatch(
      /\/primary/,
    );
  });
});

describe('not behind CloudFront (local server, HTTP API)', () => {
  beforeEach(() => configure(false));

  it('ignores X-Forwarded-Host, which any client can send; the Host header decides', async () => {
    expect(await locationFor({ host: 'tp.test', 'x-forwarded-host': 'qr.tp.test' })).toMatch(/\/primary/);
    expect(await locationFor({ host: 'qr.tp.test' })).toMatch(/\/qr/);
  });
});
