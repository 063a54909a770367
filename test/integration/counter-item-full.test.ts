import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ALL_DELTA_SLOTS, applyDeltas, pendingDeltaSummary } from '#aggregation/apply-deltas';
import { db } from '#shared/dynamo';
import { keys } from '#shared/keys';
import { setupApp } from '../support/app';
import { BROWSER_UA, parseBody } from '../support/events';
import { pumpStream } from '../support/stream';

/**
 * A counter item that reaches DynamoDB's 400 KB limit (a link shared from thousands of sites in one
 * day, or a client sending made-up Referer headers) must not stop its counters: new referrer hosts are
 * counted under `other` and every click is still counted, without a delta left pending.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
let link: { id: string; slug: string };
const DAY = '2026-11-10';

async function clickFrom(referer: string, time: string) {
  vi.setSystemTime(new Date(time));
  const res = await app.click(link.slug, { userAgent: BROWSER_UA, headers: { referer } });
  expect(res.statusCode).toBe(302);
}

/** Sets the item's padding attribute to `size` characters; false if DynamoDB refuses the item as too large. */
async function pad(key: { pk: string; sk: string }, size: number): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: process.env.TABLE_NAME!,
        Key: key,
        UpdateExpression: 'SET #pad = :pad',
        ExpressionAttributeNames: { '#pad': 'pad' },
        ExpressionAttributeValues: { ':pad': 'x'.repeat(size) },
      }),
    );
    return true;
  } catch {
    return false;
  }
}

/** Pads the item until DynamoDB refuses more, then leaves `headroom` bytes. */
async function fill(key: { pk: string; sk: string }, headroom: number) {
  let low = 0;
  let high = 420_000;
  while (high - low > 1) {
    const size = Math.floor((low + high) / 2);
    if (await pad(key, size)) low = size;
    else high = size;
  }
  expect(await pad(key, low - headroom)).toBe(true);
}

beforeAll(async () => {
  app = await setupApp();
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: 'https://shop.example/viral', touchpoint: 'viral-post', stage: 'awareness' },
  });
  expect(res.statusCode).toBe(201);
  link = parseBody(res);
  vi.useFakeTimers({ toFake: ['Date'] });
  await clickFrom('https://www.instagram.com/p/1', `${DAY}T09:00:00Z`);
  vi.useRealTimers();
  await pumpStream();
  await applyDeltas(ALL_DELTA_SLOTS);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('a counter item at the 400 KB limit', () => {
  it('counts new referrer hosts under "other", keeps counting known ones, and leaves nothing pending', async () => {
    // Room for the `other` attribute, not for five more long host names.
    const dayKey = keys.linkStatsDay(link.id, DAY);
    await fill(dayKey, 60);

    vi.useFakeTimers({ toFake: ['Date'] });
    for (let i = 0; i < 5; i++) {
      await clickFrom(
        `https://blog-${i}-with-a-rather-long-host-name-for-the-test.example/post`,
        `${DAY}T10:0${i}:00Z`,
      );
    }
    await clickFrom('https://www.instagram.com/p/2', `${DAY}T11:00:00Z`);
    vi.useRealTimers();
    await pumpStream();
    await applyDeltas(ALL_DELTA_SLOTS);

    expect((await pendingDeltaSummary()).deltas).toBe(0);
    const stored = await db.send(
      new GetCommand({ TableName: process.env.TABLE_NAME!, Key: dayKey, ConsistentRead: true }),
    );
    expect(stored.Item).toMatchObject({
      clicks: 7,
      'b:referrer:www.instagram.com': 2,
      'b:referrer:other': 5,
    });
    expect(Object.keys(stored.Item!).filter((a) => a.startsWith('b:referrer:blog-'))).toEqual([]);

    // The stats API reads the day as it is; the hourly items, far from full, keep every host.
    const day = await app.api({
      path: `/api/links/${link.id}/stats`,
      query: { from: `${DAY}T00:00:00Z`, to: '2026-11-11T00:00:00Z' },
    });
    const body = parseBody<{
      totals: { clicks: number };
      breakdowns: Record<string, Array<{ value: string; clicks: number }>>;
    }>(day);
    expect(body.totals.clicks).toBe(7);
    const hourly = await app.api({
      path: `/api/links/${link.id}/stats`,
      query: { from: `${DAY}T10:00:00Z`, to: `${DAY}T11:00:00Z`, interval: 'hour' },
    });
    const hosts = parseBody<{ breakdowns: Record<string, Array<{ value: string }>> }>(
      hourly,
    ).breakdowns.referrer!.map((r) => r.value);
    expect(hosts).toHaveLength(5);
    expect(hosts.every((h) => h.startsWith('blog-'))).toBe(true);
  });
});
