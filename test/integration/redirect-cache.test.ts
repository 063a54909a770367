import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearLinkCache, findLinkForRedirect } from '#links/cache';
import { config } from '#shared/config';
import { db } from '#shared/dynamo';
import { ServiceUnavailableError } from '#shared/errors';
import { setupApp } from '../support/app';
import { bodyOf, expectApiError } from '../support/inspect';
import { captureStderr } from '../support/stderr';

/**
 * Issue 14 item 2, the link cache's side: when the slug lookup fails (here injected: DynamoDB refusing;
 * the stall itself is in redirect-stall.test.ts), a known link is served from its expired entry for at
 * most LINK_STALE_MAX_HOURS, DynamoDB is not asked again on every request, and an unknown slug is a 503
 * with Retry-After and the error JSON.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
let mock: ReturnType<typeof mockClient> | undefined;
const outage = () => Object.assign(new Error('Service unavailable'), { name: 'InternalServerError' });

let n = 0;
async function freshLink(): Promise<{ id: string; slug: string; domain: string }> {
  n++;
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: `https://shop.example/cache/${n}`, touchpoint: `cache-${n}`, stage: 'awareness' },
  });
  expect(res.statusCode).toBe(201);
  return bodyOf(res);
}

beforeAll(async () => {
  app = await setupApp();
});

beforeEach(() => clearLinkCache());

afterEach(() => {
  mock?.restore();
  mock = undefined;
});

describe('the link cache during a DynamoDB outage', () => {
  it('serves a known link from its expired entry, asking DynamoDB again at most once a second', async () => {
    const link = await freshLink();
    const t0 = Date.now();
    expect((await findLinkForRedirect(link.domain, link.slug, t0))?.url).toBe(
      `https://shop.example/cache/${n}`,
    );
    mock = mockClient(db);
    mock.on(GetCommand).rejects(outage());
    const expired = t0 + config().linkCacheTtlMs + 1;
    for (let i = 0; i < 10; i++) {
      const served = await findLinkForRedirect(link.domain, link.slug, expired + i * 50);
      expect(served?.id).toBe(link.id);
    }
    expect(mock.commandCalls(GetCommand)).toHaveLength(1);
    // A second later it tries again (and serves the stale link again while DynamoDB still fails).
    await captureStderr(() => findLinkForRedirect(link.domain, link.slug, expired + 1_000));
    expect(mock.commandCalls(GetCommand)).toHaveLength(2);
  });

  it('picks up an edit once DynamoDB answers again', async () => {
    const link = await freshLink();
    const t0 = Date.now();
    await findLinkForRedirect(link.domain, link.slug, t0);
    mock = mockClient(db);
    mock.on(GetCommand).rejects(outage());
    await captureStderr(() => findLinkForRedirect(link.domain, link.slug, t0 + 20_000));
    mock.restore();
    mock = undefined;
    const edited = await app.api({
      method: 'PATCH',
      path: `/api/links/${link.id}`,
      body: { url: 'https://shop.example/cache/edited' },
    });
    expect(edited.statusCode).toBe(200);
    expect((await findLinkForRedirect(link.domain, link.slug, t0 + 22_000))?.url).toBe(
      'https://shop.example/cache/edited',
    );
  });

  it('serves a stale link for at most LINK_STALE_MAX_HOURS (24 h), then answers 503', async () => {
    const link = await freshLink();
    const t0 = Date.now();
    await findLinkForRedirect(link.domain, link.slug, t0);
    mock = mockClient(db);
    mock.on(GetCommand).rejects(outage());
    const day = 24 * 3_600_000;
    expect(config().linkStaleMaxMs).toBe(day);
    await captureStderr(async () => {
      expect((await findLinkForRedirect(link.domain, link.slug, t0 + day))?.id).toBe(link.id);
      await expect(findLinkForRedirect(link.domain, link.slug, t0 + day + 2_000)).rejects.toBeInstanceOf(
        ServiceUnavailableError,
      );
    });
  });

  it('answers an unknown slug with 503, Retry-After and the error JSON, not a 500', async () => {
    mock = mockClient(db);
    mock.on(GetCommand).rejects(outage());
    let result: Awaited<ReturnType<typeof app.click>> | undefined;
    const lines = await captureStderr(async () => {
      result = await app.click('never-cached-slug');
    });
    expectApiError(result!, 503, 'service_unavailable');
    expect(result!.headers?.['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(lines.some((l) => l.includes('"link_lookup_failed"'))).toBe(true);
  });
});
