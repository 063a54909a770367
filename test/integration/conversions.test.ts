import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordConversionSchema } from '#conversions/model';
import { recordConversion } from '#conversions/service';
import { db } from '#shared/dynamo';
import { keys } from '#shared/keys';
import { setupApp } from '../support/app';
import { bodyOf, countItems } from '../support/inspect';

/**
 * Issue 18: a link with `trackConversions` adds `tp_cid=<click id>` to its destination (keeping the
 * destination's and the request's query); that id resolves to the stored click and its visitor; a
 * conversion for it is stored once per event + order id.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
let tracked: { id: string; slug: string };

beforeAll(async () => {
  app = await setupApp();
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: {
      url: 'https://shop.example/landing?lang=fa',
      touchpoint: 'conv-poster',
      stage: 'decision',
      trackConversions: true,
      utm: { source: 'poster' },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  tracked = bodyOf(res);
  expect(bodyOf(res).trackConversions).toBe(true);
});

const parse = (body: unknown) => recordConversionSchema.parse(body);

async function clickThrough(query: Record<string, string> = {}): Promise<{ cid: string; visitor: string }> {
  const res = await app.click(tracked.slug, { query });
  expect(res.statusCode).toBe(302);
  const location = new URL(String(res.headers?.location));
  const cid = location.searchParams.get('tp_cid');
  expect(cid).toMatch(/^[0-9a-z]{10}[A-Za-z0-9_-]{12,23}$/);
  return { cid: cid!, visitor: String(res.cookies?.[0]).split(';')[0]!.split('=')[1]! };
}

describe('tp_cid on the landing URL', () => {
  it("keeps the destination's and the request's query and adds the click id", async () => {
    const res = await app.click(tracked.slug, { query: { ref: 'lobby', tp_cid: 'forged' } });
    const location = new URL(String(res.headers?.location));
    expect(location.origin + location.pathname).toBe('https://shop.example/landing');
    expect(location.searchParams.get('lang')).toBe('fa');
    expect(location.searchParams.get('utm_source')).toBe('poster');
    expect(location.searchParams.get('ref')).toBe('lobby');
    expect(location.searchParams.getAll('tp_cid')).toHaveLength(1);
    expect(location.searchParams.get('tp_cid')).not.toBe('forged');
  });

  it('is not added by links without trackConversions, and can be switched on by an edit', async () => {
    const plain = bodyOf(
      await app.api({
        method: 'POST',
        path: '/api/links',
        body: { url: 'https://shop.example/p', touchpoint: 'conv-plain', stage: 'awareness' },
      }),
    );
    expect(new URL(String((await app.click(plain.slug)).headers?.location)).searchParams.has('tp_cid')).toBe(
      false,
    );
    const edited = await app.api({
      method: 'PATCH',
      path: `/api/links/${plain.id}`,
      body: { trackConversions: true },
    });
    expect(bodyOf(edited).trackConversions).toBe(true);
  });
});

describe('recording a conversion', () => {
  it("resolves the click id to the click's visitor and touchpoint, once per event + order id", async () => {
    const { cid, visitor } = await clickThrough();
    const input = parse({ clickId: cid, event: 'purchase', value: 49.9, currency: 'EUR', orderId: 'A-1001' });
    const first = await recordConversion(input);
    expect(first.created).toBe(true);
    expect(first.conversion).toMatchObject({
      visitorId: visitor,
      linkId: tracked.id,
      touchpoint: 'conv-poster',
      stage: 'decision',
      journey: 'default',
      value: 49.9,
      currency: 'EUR',
      orderId: 'A-1001',
    });
    const items = await countItems();
    const again = await recordConversion(parse(input));
    expect(again.created).toBe(false);
    expect(again.conversion).toEqual(first.conversion);
    expect(await countItems(), 'a repeat stores nothing').toBe(items);
    // The same order with another amount is not a retry: a 409 that shows what counted, storing nothing.
    await expect(recordConversion(parse({ ...input, value: 99 }))).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/49\.9 EUR/),
    });
    expect(await countItems()).toBe(items);
    // The same order id under another event is another conversion.
    expect((await recordConversion(parse({ ...input, event: 'signup' }))).created).toBe(true);
  });

  it("takes values to their currency's minor unit: three decimals for BHD, none for JPY", async () => {
    const { cid } = await clickThrough();
    const fils = await recordConversion(
      parse({ clickId: cid, event: 'purchase', value: 12.345, currency: 'BHD' }),
    );
    expect(fils.conversion).toMatchObject({ value: 12.345, currency: 'BHD' });
    const yen = await recordConversion(
      parse({ clickId: cid, event: 'purchase', value: 4800, currency: 'JPY' }),
    );
    expect(yen.conversion).toMatchObject({ value: 4800, currency: 'JPY' });
    expect(() => parse({ clickId: cid, event: 'purchase', value: 4800.5, currency: 'JPY' })).toThrow(
      /JPY amounts have no decimals/,
    );
  });

  it('refuses an unknown click id with a 404 and a conversion before its click with a 400', async () => {
    await expect(recordConversion(parse({ clickId: 'nope', event: 'purchase' }))).rejects.toMatchObject({
      status: 404,
    });
    const { cid } = await clickThrough();
    // A well-formed id whose click does not exist, made an hour ago (the id part changed).
    const hourAgo = keys.clickToken(Date.now() - 3_600_000, 3, 'x'.repeat(12));
    await expect(recordConversion(parse({ clickId: hourAgo, event: 'purchase' }))).rejects.toMatchObject({
      status: 404,
    });
    const before = await countItems();
    await expect(
      recordConversion(parse({ clickId: cid, event: 'purchase', at: '2020-01-01T00:00:00Z' })),
    ).rejects.toMatchObject({ status: 400 });
    expect(await countItems()).toBe(before);
  });
});

describe('a conversion reported moments after its click', () => {
  it('waits for a click the redirect has not stored yet, and counts the conversion once it is', async () => {
    const { cid } = await clickThrough();
    const where = keys.clickByToken(cid)!;
    // The click's write is late: the conversion arrives first.
    const { Item } = await db.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: where.key }));
    await db.send(new DeleteCommand({ TableName: process.env.TABLE_NAME, Key: where.key }));
    const stored = new Promise((r) => setTimeout(r, 400)).then(() =>
      db.send(new PutCommand({ TableName: process.env.TABLE_NAME, Item })),
    );
    const res = await app.api({
      method: 'POST',
      path: '/api/conversions',
      body: { clickId: cid, event: 'signup' },
    });
    await stored;
    expect(res.statusCode, res.body).toBe(201);
  });

  it('answers 503 with Retry-After, not 404, when the click is still not stored (its write may await replay)', async () => {
    const justNow = keys.clickToken(Date.now(), 3, 'y'.repeat(12));
    const before = await countItems();
    const res = await app.api({
      method: 'POST',
      path: '/api/conversions',
      body: { clickId: justNow, event: 'signup' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('5');
    expect(bodyOf(res).error.code).toBe('service_unavailable');
    expect(await countItems()).toBe(before);
  });
});

describe('POST /api/conversions and GET /t.js', () => {
  it('a tracker key may post conversions (201, then 200 for the same order) and nothing else', async () => {
    const key = bodyOf(
      await app.api({ method: 'POST', path: '/api/keys', body: { name: 'shop backend', role: 'tracker' } }),
    ).key;
    const { cid } = await clickThrough();
    const body = { clickId: cid, event: 'purchase', value: 19.99, currency: 'USD', orderId: 'T-1' };
    const first = await app.api({ method: 'POST', path: '/api/conversions', body, key });
    expect(first.statusCode, first.body).toBe(201);
    expect(bodyOf(first)).toMatchObject({
      event: 'purchase',
      value: 19.99,
      currency: 'USD',
      touchpoint: 'conv-poster',
    });
    const again = await app.api({ method: 'POST', path: '/api/conversions', body, key });
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again).id).toBe(bodyOf(first).id);

    for (const path of ['/api/links', '/api/touchpoints', '/api/keys']) {
      const res = await app.api({ path, key });
      expect(res.statusCode, path).toBe(403);
      expect(bodyOf(res).error.message).toMatch(/tracker role/);
    }
    const viewer = bodyOf(
      await app.api({ method: 'POST', path: '/api/keys', body: { name: 'v', role: 'viewer' } }),
    ).key;
    expect((await app.api({ method: 'POST', path: '/api/conversions', body, key: viewer })).statusCode).toBe(
      403,
    );
  });

  it('answers bad conversions with a 4xx and the error JSON, storing nothing', async () => {
    const { cid } = await clickThrough();
    const cases: Array<[unknown, number]> = [
      [{ clickId: 'not-a-click-id', event: 'purchase' }, 404],
      [{ clickId: cid, event: 'Buy Now!' }, 400],
      [{ clickId: cid, event: 'purchase', value: 10 }, 400],
      [{ clickId: cid, event: 'purchase', value: 10.001, currency: 'EUR' }, 400],
      [{ clickId: cid, event: 'purchase', value: -1, currency: 'EUR' }, 400],
      [{ clickId: cid, event: 'purchase', value: 1, currency: 'euro' }, 400],
      [{ clickId: cid, event: 'purchase', value: 1, currency: 'ZZZ' }, 400], // not an ISO 4217 code
      [{ clickId: cid, event: 'purchase', value: 1000.5, currency: 'JPY' }, 400], // yen have no decimals
      [{ clickId: cid, event: 'purchase', value: 1.2345, currency: 'BHD' }, 400], // fils: 3 decimals
      [{ clickId: cid, event: 'purchase', orderId: 'a\u0000b' }, 400],
      [{ clickId: cid, event: 'purchase', at: '2999-01-01T00:00:00Z' }, 400],
      [{ clickId: cid, event: 'purchase', extra: 1 }, 400],
    ];
    for (const [body, status] of cases) {
      const before = await countItems();
      const res = await app.api({ method: 'POST', path: '/api/conversions', body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(typeof bodyOf(res).error.code).toBe('string');
      expect(await countItems()).toBe(before);
    }
  });

  it('serves the capture snippet without a key', async () => {
    const res = await app.api({ path: '/t.js', key: '' });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/javascript/);
    expect(String(res.body)).toContain('tp_cid');
  });
});
