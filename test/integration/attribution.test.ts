import { beforeAll, describe, expect, it, vi } from 'vitest';
import { aggregateRecords } from '#aggregation/aggregate';
import { recount } from '#aggregation/recount';
import { setupApp } from '../support/app';
import { BROWSER_UA } from '../support/events';
import { bodyOf, type Json } from '../support/inspect';
import { sdkError, watchSdkCalls } from '../support/sdk-calls';
import { pumpStream } from '../support/stream';

/**
 * Issue 18, second half: conversions reported for `tp_cid`s that came through the real redirect are
 * joined to their visitors' journeys by the real aggregator reading DynamoDB Local's stream, exactly
 * once, and every model's credits and revenue match a hand computation to the cent.
 *
 * The shop journey: discover → consider → buy, goal `purchase`. Click times (UTC, November 2026):
 * - v1: ig-ad on the 1st, email on the 8th, checkout on the 15th at 10:00; buys for 70.00 USD at that
 *   moment (touch ages 14, 7 and 0 days).
 * - v2: poster on the 14th, checkout on the 15th at 10:00; buys for 30.00 USD then (order O-2, reported
 *   twice).
 * - v3: ig-ad on the 1st; buys for 10.00 EUR on the 15th at 10:00 (one touch, 14 days old).
 */
let app: Awaited<ReturnType<typeof setupApp>>;
const links: Record<string, { id: string; slug: string }> = {};
const cids: Record<string, string> = {};
let tracker: string;

const DAY = (d: number) => `2026-11-${String(d).padStart(2, '0')}T10:00:00.000Z`;
const PERIOD = { from: '2026-11-01', to: '2026-11-16' };

async function clickAs(visitor: { cookies?: string[] }, link: string, at: string): Promise<string> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(at));
  try {
    const res = await app.click(links[link]?.slug ?? '', { userAgent: BROWSER_UA, cookies: visitor.cookies });
    expect(res.statusCode).toBe(302);
    const cookie = res.cookies?.[0];
    if (cookie && !visitor.cookies) visitor.cookies = [cookie.split(';')[0] ?? ''];
    const cid = new URL(String(res.headers?.location)).searchParams.get('tp_cid');
    expect(cid).toBeTruthy();
    return cid ?? '';
  } finally {
    vi.useRealTimers();
  }
}

async function purchase(body: Json): Promise<number> {
  const res = await app.api({ method: 'POST', path: '/api/conversions', body, key: tracker });
  return res.statusCode ?? 0;
}

async function attribution(query: Record<string, string>): Promise<Json> {
  const res = await app.api({ path: '/api/journeys/shop/attribution', query: { ...PERIOD, ...query } });
  expect(res.statusCode, res.body).toBe(200);
  return bodyOf(res);
}

/** touchpoint → [conversions, revenue] for a compact comparison. */
function table(report: Json): Record<string, [number, Record<string, number>]> {
  return Object.fromEntries(
    (report.touchpoints as Json[]).map((t) => [t.touchpoint, [t.conversions, t.revenue]]),
  );
}

beforeAll(async () => {
  app = await setupApp();
  const put = await app.api({
    method: 'PUT',
    path: '/api/journeys/shop',
    body: { stages: ['discover', 'consider', 'buy'], goals: ['purchase'] },
  });
  expect(put.statusCode, put.body).toBe(201);
  expect(bodyOf(put).goals).toEqual(['purchase']);
  for (const [touchpoint, stage] of [
    ['ig-ad', 'discover'],
    ['poster', 'discover'],
    ['email', 'consider'],
    ['checkout', 'buy'],
  ] as const) {
    const res = await app.api({
      method: 'POST',
      path: '/api/links',
      body: {
        url: `https://shop.example/${touchpoint}`,
        touchpoint,
        stage,
        journey: 'shop',
        trackConversions: true,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    links[touchpoint] = bodyOf(res);
  }
  tracker = bodyOf(
    await app.api({ method: 'POST', path: '/api/keys', body: { name: 'shop backend', role: 'tracker' } }),
  ).key;

  const v1 = {};
  const v2 = {};
  const v3 = {};
  await clickAs(v1, 'ig-ad', DAY(1));
  await clickAs(v1, 'email', DAY(8));
  cids.v1 = await clickAs(v1, 'checkout', DAY(15));
  await clickAs(v2, 'poster', DAY(14));
  cids.v2 = await clickAs(v2, 'checkout', DAY(15));
  cids.v3 = await clickAs(v3, 'ig-ad', DAY(1));

  expect(
    await purchase({ clickId: cids.v1, event: 'purchase', value: 70, currency: 'USD', at: DAY(15) }),
  ).toBe(201);
  const o2 = { clickId: cids.v2, event: 'purchase', value: 30, currency: 'USD', orderId: 'O-2', at: DAY(15) };
  expect(await purchase(o2)).toBe(201);
  expect(await purchase(o2)).toBe(200); // the shop retried: counted once
  expect(
    await purchase({ clickId: cids.v3, event: 'purchase', value: 10, currency: 'EUR', at: DAY(15) }),
  ).toBe(201);
  await pumpStream();
});

describe('attribution report, every model by hand (lookback 30 days)', () => {
  it('first_touch and last_touch', async () => {
    const first = await attribution({ model: 'first_touch' });
    expect(first).toMatchObject({
      journey: 'shop',
      event: 'purchase',
      model: 'first_touch',
      lookbackDays: 30,
    });
    expect(first.conversions).toBe(3);
    expect(first.revenue).toEqual({ EUR: 10, USD: 100 });
    expect(table(first)).toEqual({ 'ig-ad': [2, { EUR: 10, USD: 70 }], poster: [1, { USD: 30 }] });
    expect(table(await attribution({ model: 'last_touch' }))).toEqual({
      checkout: [2, { USD: 100 }],
      'ig-ad': [1, { EUR: 10 }],
    });
  });

  it('linear: equal shares of each distinct touchpoint', async () => {
    // v1: a third each of 70.00 (23.33); v2: halves of 30.00; v3: all of 10.00 EUR. Shown amounts add up
    // to the totals (3 conversions, 100.00 USD): the cent a third leaves goes to the largest remainder,
    // ig-ad's (its share of v1 is 1 millionth larger).
    expect(table(await attribution({ model: 'linear' }))).toEqual({
      'ig-ad': [1.3334, { EUR: 10, USD: 23.34 }],
      checkout: [0.8333, { USD: 38.33 }],
      poster: [0.5, { USD: 15 }],
      email: [0.3333, { USD: 23.33 }],
    });
  });

  it('position_based: 40/20/40 over three touchpoints, 50/50 over two', async () => {
    expect(table(await attribution({ model: 'position_based' }))).toEqual({
      'ig-ad': [1.4, { EUR: 10, USD: 28 }],
      checkout: [0.9, { USD: 43 }],
      poster: [0.5, { USD: 15 }],
      email: [0.2, { USD: 14 }],
    });
  });

  it('time_decay: weights halve every 7 days', async () => {
    // v1: weights 1/4, 1/2, 1 → 1/7, 2/7, 4/7 of 70.00 = 10, 20, 40.
    // v2: weights 2^(-1/7) = 0.905724 and 1 → 0.475265 and 0.524735 of 30.00 = 14.26 and 15.74.
    // Conversions 1.142857 / 1.096164 / 0.475265 / 0.285714 are shown as 1.1428 / 1.0962 / 0.4753 / 0.2857:
    // the two ten-thousandths left go to the largest remainders, so the shares add up to 3.
    expect(table(await attribution({ model: 'time_decay' }))).toEqual({
      'ig-ad': [1.1428, { EUR: 10, USD: 10 }],
      checkout: [1.0962, { USD: 55.74 }],
      poster: [0.4753, { USD: 14.26 }],
      email: [0.2857, { USD: 20 }],
    });
  });

  it('a shorter lookback drops the older touches; CSV has the same numbers', async () => {
    // Within 7 days: v1's email (exactly 7 days) and checkout, v2's both; v3's 14-day-old touch is out.
    const week = await attribution({ model: 'first_touch', lookback: '7' });
    expect(week.conversions).toBe(2);
    expect(table(week)).toEqual({ email: [1, { USD: 70 }], poster: [1, { USD: 30 }] });
    const csv = await app.api({
      path: '/api/journeys/shop/attribution',
      query: { ...PERIOD, model: 'first_touch', lookback: '7', format: 'csv' },
    });
    expect(csv.headers?.['content-type']).toMatch(/text\/csv/);
    expect(String(csv.body).trim().split(/\r?\n/)).toEqual([
      'touchpoint,stage,conversions,currency,revenue',
      'email,consider,1,USD,70',
      'poster,discover,1,USD,30',
    ]);
  });

  it('answers bad parameters with a 400 and an unknown journey with a 404', async () => {
    const bad: Array<Record<string, string>> = [
      { model: 'u_shaped' },
      { lookback: '0' },
      { lookback: '91' },
      { lookback: '45' }, // only the offered lookbacks are exact, so only they are answered
      { event: 'Buy!' },
    ];
    for (const query of bad) {
      const res = await app.api({ path: '/api/journeys/shop/attribution', query });
      expect(res.statusCode, JSON.stringify(query)).toBe(400);
      expect(bodyOf(res).error.code).toBeTruthy();
    }
    expect((await app.api({ path: '/api/journeys/nope/attribution' })).statusCode).toBe(404);
    expect((await app.api({ path: '/api/journeys/shop/attribution', key: tracker })).statusCode).toBe(403);
  });
});

describe('the funnel ends in the goal', () => {
  it('counts converting as progressing from the last stage, and the goal as its own step', async () => {
    const res = await app.api({ path: '/api/journeys/shop/funnel', query: PERIOD });
    expect(res.statusCode, res.body).toBe(200);
    const stages = (bodyOf(res).stages as Json[]).map((s) => [s.stage, s.goal, s.visitors, s.progressed]);
    expect(stages).toEqual([
      ['discover', false, 3, 3], // v1 to email, v2 to checkout, v3 by buying 14 days later
      ['consider', false, 1, 1],
      ['buy', false, 2, 2], // both bought at checkout
      ['purchase', true, 3, 0],
    ]);
  });
});

describe('exactly once', () => {
  it('counts nothing twice when the whole stream is delivered again, and recount agrees', async () => {
    const before = await attribution({ model: 'time_decay' });
    for (const batch of await pumpStream()) await aggregateRecords(batch);
    expect(await attribution({ model: 'time_decay' })).toEqual(before);
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('counts a conversion once when its batch fails half way and is retried', async () => {
    const v4 = {};
    const cid = await clickAs(v4, 'poster', DAY(15));
    await pumpStream();
    expect(
      await purchase({ clickId: cid, event: 'purchase', value: 5.55, currency: 'USD', at: DAY(15) }),
    ).toBe(201);
    let commits = 0;
    const stopFaults = watchSdkCalls(({ command }) => {
      if (command === 'TransactWriteItemsCommand' && ++commits <= 4)
        throw sdkError('TimeoutError', 'injected');
    });
    const failed: boolean[] = [];
    try {
      await pumpStream(async (records) => {
        const result = await aggregateRecords(records);
        failed.push(result.batchItemFailures.length > 0);
        return result;
      });
    } finally {
      stopFaults();
    }
    expect(failed).toContain(true); // the failure reached the event source mapping, which redelivered
    const poster = table(await attribution({ model: 'last_touch' })).poster;
    expect(poster).toEqual([1, { USD: 5.55 }]);
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });
});
