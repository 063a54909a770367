import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '#local/dynamodb-local';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime';
import { type Json, storedClicks } from '../support/inspect';
import {
  contractViolations,
  documentedOperations,
  findOperation,
  recordTraffic,
} from '../support/openapi-contract';
import { decodeQrPng } from '../support/qr-image';

/**
 * The real local server (`npm start` minus the DynamoDB Local child: it uses the test run's one), driven
 * over HTTP the way a marketer's curl and a customer's browser would.
 */
const API_KEY = 'e2e-admin-key-0123456789abcdef';
const TABLE = `e2e_${Math.random().toString(36).slice(2, 10)}`;
const BROWSER =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

let runtime: LocalRuntime;
let base: string;
// Every exchange of this suite with the server, checked against the OpenAPI document by the last test.
const traffic = recordTraffic(() => base);

const auth = { authorization: `Bearer ${API_KEY}` };

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    ...init,
    headers: { ...auth, ...(init.headers ?? {}) },
    redirect: 'manual',
  });
}

async function createLink(body: Record<string, unknown>): Promise<Json> {
  const res = await api('/api/links', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

/** Polls until `check` passes or `timeoutMs` elapses; returns the last value either way. */
async function poll<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    value = await read();
  }
  return value;
}

beforeAll(async () => {
  // A short link cache so the click-limit test does not wait the default 10 s.
  process.env.LINK_CACHE_TTL_SECONDS = '1';
  const port = await freePort();
  runtime = await startLocalRuntime({
    port,
    dynamodbEndpoint: inject('dynamoEndpoint'),
    tableName: TABLE,
    apiKey: API_KEY,
    batchingWindowMs: 100,
  });
  base = runtime.url;
});

afterAll(async () => {
  traffic.restore();
  await runtime?.stop();
});

describe('the local server over HTTP', () => {
  it('answers /healthz, also to HEAD (as uptime monitors check)', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('refuses destinations that loop back to this server by another name (issue 14)', async () => {
    const port = new URL(base).port;
    const before = await (await api('/api/links?limit=100')).json();
    for (const host of [
      '127.0.0.1',
      'localhost',
      '127.1.2.3',
      '2130706433',
      '0x7f.1',
      '[::1]',
      '[::ffff:127.0.0.1]',
      'LOCALHOST.',
    ]) {
      const res = await api('/api/links', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: `http://${host}:${port}/x`, touchpoint: 'loop', stage: 'awareness' }),
      });
      expect(res.status, host).toBe(400);
      expect((await res.json()).error.code).toBe('validation_error');
    }
    // Another local service (another port) is a fine destination.
    const other = await createLink({
      url: `http://127.0.0.1:${Number(port) + 1}/shop`,
      touchpoint: 'local-shop',
      stage: 'awareness',
    });
    expect(other.url).toBe(`http://127.0.0.1:${Number(port) + 1}/shop`);
    const after = await (await api('/api/links?limit=100')).json();
    expect(after.items.length).toBe(before.items.length + 1);
  });

  it('serves the OpenAPI document and the dashboard without a key', async () => {
    const doc = await fetch(`${base}/api/openapi.json`);
    expect(doc.status).toBe(200);
    expect((await doc.json()).openapi).toMatch(/^3\.1/);
    const dashboard = await fetch(`${base}/dashboard`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('redirects, counts a click and a scan from one visitor, ignores HEAD and bots in human numbers', async () => {
    const link = await createLink({
      url: 'https://shop.example/e2e',
      touchpoint: 'e2e-poster',
      stage: 'awareness',
      utm: { source: 'poster' },
    });
    expect(link.shortUrl).toBe(`${base}/${link.slug}`);

    const click = await fetch(link.shortUrl, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://shop.example/e2e?utm_source=poster');
    expect(click.headers.get('cache-control')).toBe('no-store');
    const setCookie = click.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^tp_vid=m_[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(';')[0]!;

    const head = await fetch(link.shortUrl, {
      method: 'HEAD',
      redirect: 'manual',
      headers: { 'user-agent': BROWSER },
    });
    expect(head.status).toBe(302);
    expect(head.headers.get('location')).toBe('https://shop.example/e2e?utm_source=poster');

    const scan = await fetch(link.qrContent, {
      redirect: 'manual',
      headers: { 'user-agent': BROWSER, cookie },
    });
    expect(scan.status).toBe(302);
    expect(scan.headers.get('location')).toBe('https://shop.example/e2e?utm_source=poster');
    expect(scan.headers.get('set-cookie')).toBeNull();

    const bot = await fetch(link.shortUrl, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
    });
    expect(bot.status).toBe(302);

    // GET, scan and bot are stored; HEAD is not. The server answers before it writes, so wait for
    // the three writes (and a moment more, in case HEAD had wrongly written a fourth).
    await poll(
      () => storedClicks(link.id, TABLE),
      (clicks) => clicks.length >= 3,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const raw = await storedClicks(link.id, TABLE);
    expect(raw.map((c) => `${c.source}${c.bot ? '/bot' : ''}`).sort()).toEqual([
      'click',
      'click/bot',
      'scan',
    ]);

    const stats = await poll(
      async () => (await (await api(`/api/links/${link.id}/stats`)).json()) as Json,
      (s) => s.totals?.clicks === 1 && s.totals?.scans === 1 && s.totals?.botClicks === 1,
    );
    expect(stats.totals).toEqual({ clicks: 1, scans: 1, uniqueVisitors: 1, botClicks: 1 });
    const today = new Date().toISOString().slice(0, 10);
    const point = stats.series.find((p: { t: string }) => p.t.startsWith(today));
    expect(point).toMatchObject({ clicks: 1, scans: 1 });
    expect(stats.breakdowns.device).toEqual([{ value: 'mobile', clicks: 2 }]);

    const csv = await api(`/api/links/${link.id}/stats?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).split('\r\n')[0]).toBe('t,clicks,scans');
  });

  it('closes a link at its click limit: later visitors go to the fallback URL', async () => {
    const link = await createLink({
      url: 'https://shop.example/limited',
      touchpoint: 'e2e-limited',
      stage: 'decision',
      maxClicks: 1,
      fallbackUrl: 'https://shop.example/sold-out',
    });
    const first = await fetch(link.shortUrl, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect(first.headers.get('location')).toBe('https://shop.example/limited');
    const read = await poll(
      async () => (await (await api(`/api/links/${link.id}`)).json()) as Json,
      (l) => l.status === 'exhausted',
    );
    expect(read.status).toBe('exhausted');
    const later = await poll(
      () => fetch(link.shortUrl, { method: 'HEAD', redirect: 'manual', headers: { 'user-agent': BROWSER } }),
      (r) => r.headers.get('location') === 'https://shop.example/sold-out',
      5_000,
    );
    expect(later.status).toBe(302);
    expect(later.headers.get('location')).toBe('https://shop.example/sold-out');
  });

  it('answers unknown routes and unknown slugs with JSON 404s', async () => {
    for (const path of ['/api/nothing', '/api/links/x/y/z', '/no-such-slug', '/a/b/c']) {
      const res = await api(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code, path).toBe('not_found');
      expect(body.error.message.length, path).toBeGreaterThan(10);
    }
  });

  it('refuses requests without a key, with the wrong content type, or over 256 KB', async () => {
    expect((await fetch(`${base}/api/links`)).status).toBe(401);
    const wrongType = await api('/api/links', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ url: 'https://shop.example/', touchpoint: 't', stage: 'awareness' }),
    });
    expect(wrongType.status).toBe(415);
    const big = await api('/api/links', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        url: 'https://shop.example/',
        touchpoint: 't',
        stage: 'awareness',
        x: 'y'.repeat(300_000),
      }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('refuses bytes that are not UTF-8 and a repeated query parameter, changing nothing', async () => {
    const before = (await (await api('/api/links?limit=100')).json()) as { items: unknown[] };
    const text = Buffer.from(
      '{"url":"https://shop.example/","touchpoint":"t8","stage":"awareness","campaign":"',
    );
    const notUtf8 = Buffer.concat([text, Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const res = await api('/api/links', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: notUtf8,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/UTF-8/);
    // As API Gateway passes a repeated parameter (its values joined with a comma): not a number.
    const twice = await api('/api/links?limit=1&limit=2');
    expect(twice.status).toBe(400);
    const after = (await (await api('/api/links?limit=100')).json()) as { items: unknown[] };
    expect(after.items).toHaveLength(before.items.length);
  });

  it('reads a chunked request body (no Content-Length), as curl sends a streamed upload', async () => {
    const payload = JSON.stringify({
      url: 'https://shop.example/chunked',
      touchpoint: 'e2e-chunked',
      stage: 'awareness',
    });
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${base}/api/links`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // Two chunks, so the body is only whole once both are read.
      req.write(payload.slice(0, 20));
      req.end(payload.slice(20));
    });
    expect(status, body).toBe(201);
    expect(JSON.parse(body)).toMatchObject({
      url: 'https://shop.example/chunked',
      touchpoint: 'e2e-chunked',
    });
  });

  it('serves a QR code PNG over HTTP as binary', async () => {
    const link = await createLink({
      url: 'https://shop.example/qr',
      touchpoint: 'e2e-qr',
      stage: 'awareness',
    });
    const res = await api(`/api/links/${link.id}/qr?format=png&size=256`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
    expect(decodeQrPng(bytes)).toBe(link.qrContent);
  });

  it('uses every other operation once, the way a marketer scripting the API would', async () => {
    const json = { 'content-type': 'application/json' };
    const send = (method: string, path: string, body?: unknown) =>
      api(path, { method, headers: json, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await fetch(`${base}/dashboard/app.js`)).status).toBe(200);

    const journey = await send('PUT', '/api/journeys/tour', {
      stages: ['see', 'try', 'buy'],
      goals: ['purchase'],
      description: 'e2e tour',
    });
    expect(journey.status).toBe(201); // created (a redefinition answers 200)
    expect(journey.headers.get('location')).toBe('/api/journeys/tour');
    expect((await api('/api/journeys')).status).toBe(200);
    expect((await api('/api/journeys/tour')).status).toBe(200);

    const bulk = await send('POST', '/api/links/bulk', {
      links: [
        { url: 'https://shop.example/tour-1', touchpoint: 'tour-flyer', stage: 'see', journey: 'tour' },
        { url: 'https://shop.example/tour-2', touchpoint: 'tour-flyer', stage: 'nowhere', journey: 'tour' },
      ],
    });
    expect(bulk.status).toBe(201);
    const { results } = (await bulk.json()) as { results: Array<{ link?: Json; status?: number }> };
    expect(results.map((r) => r.status ?? 201)).toEqual([201, 400]);
    const id = results[0]?.link?.id as string;
    // Nothing created: the error answer, with each link's result beside it (documented as BulkCreateFailed).
    const none = await send('POST', '/api/links/bulk', {
      links: [{ url: 'https://shop.example/x', touchpoint: 'tour-flyer', stage: 'nowhere', journey: 'tour' }],
    });
    expect(none.status).toBe(400);
    const failedBody = (await none.json()) as Json;
    expect(failedBody.error.code).toBeTruthy();
    expect(failedBody.results).toHaveLength(1);

    const edited = await send('PATCH', `/api/links/${id}`, { campaign: 'tour', maxClicks: 1_000_000_000 });
    expect(edited.status).toBe(200);
    expect((await api(`/api/links/${id}/qr`)).status).toBe(200);
    expect((await api('/api/touchpoints?journey=tour&from=2026-01-01')).status).toBe(200);
    expect((await api('/api/journeys/tour/funnel?window=7')).status).toBe(200);
    expect((await api(`/api/links/${id}/stats?interval=hour`)).status).toBe(200);
    expect((await api('/api/links?journey=tour&limit=5&status=active')).status).toBe(200);
    expect((await send('DELETE', `/api/links/${id}`)).status).toBe(204);

    const key = await send('POST', '/api/keys', { name: 'tour reports', role: 'viewer' });
    expect(key.status).toBe(201);
    expect((await api('/api/keys')).status).toBe(200);
    expect((await send('DELETE', `/api/keys/${((await key.json()) as Json).id}`)).status).toBe(204);

    // Conversions: a tracked link hands the shop a tp_cid; the shop's backend reports the purchase.
    const tracked = await send('POST', '/api/links', {
      url: 'https://shop.example/tour-buy?lang=de',
      touchpoint: 'tour-checkout-poster',
      stage: 'buy',
      journey: 'tour',
      trackConversions: true,
    });
    expect(tracked.status).toBe(201);
    const landing = await fetch(((await tracked.json()) as Json).shortUrl, {
      redirect: 'manual',
      headers: { 'user-agent': BROWSER },
    });
    const tpCid = new URL(landing.headers.get('location') ?? '').searchParams.get('tp_cid');
    expect(tpCid).toBeTruthy();
    // The click is written just after the 302; a shop's backend reports later, and retries a 404.
    const purchase = { clickId: tpCid, event: 'purchase', value: 59.9, currency: 'EUR', orderId: 'tour-1' };
    const reported = await poll(
      () => send('POST', '/api/conversions', purchase),
      (res) => res.status !== 404,
    );
    expect(reported.status).toBe(201);
    expect((await send('POST', '/api/conversions', purchase)).status).toBe(200);
    // The local runtime aggregates the conversion from the stream, as Lambda would, within seconds.
    const credited = await poll(
      async () =>
        (await (await api('/api/journeys/tour/attribution?model=last_touch&lookback=7')).json()) as Json,
      (report) => report.conversions === 1,
    );
    expect(credited.touchpoints).toEqual([
      { touchpoint: 'tour-checkout-poster', stage: 'buy', conversions: 1, revenue: { EUR: 59.9 } },
    ]);
    const snippet = await fetch(`${base}/t.js`);
    expect(snippet.status).toBe(200);
    expect(snippet.headers.get('content-type')).toMatch(/javascript/);
  });

  it('sent and received only what the OpenAPI document describes, for every operation it lists', () => {
    expect(traffic.exchanges.length).toBeGreaterThan(30);
    expect(traffic.exchanges.flatMap(contractViolations)).toEqual([]);
    const used = new Set(
      traffic.exchanges.map((e) => {
        const found = findOperation(e.method, new URL(e.url, base).pathname);
        return found && `${found.method} ${found.path}`;
      }),
    );
    expect(documentedOperations().filter((op) => !used.has(op))).toEqual([]);
  });
});
