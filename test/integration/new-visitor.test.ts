import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { aggregateRecords } from '../../functions/analytics/aggregate';
import { recount } from '../../functions/analytics/recount';
import { dynamoClient } from '../../functions/shared/dynamo';
import { setupApp } from '../support/app';
import { BROWSER_UA, parseBody } from '../support/events';
import { pumpStream } from '../support/stream';

/**
 * The redirect marks the click that minted a visitor's cookie id (`newVisitor`), and the aggregator then
 * reads no state for that visitor. The mark is a hint, never trusted for exactness: if a state exists
 * after all (the visitor's later click was aggregated first, from another shard), every click is still
 * counted once.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
const links: Record<string, { id: string; slug: string }> = {};

type Visitor = { cookies?: string[] };

async function clickAs(visitor: Visitor, link: string, time: string) {
  vi.setSystemTime(new Date(time));
  const res = await app.click(links[link]!.slug, { userAgent: BROWSER_UA, cookies: visitor.cookies });
  expect(res.statusCode).toBe(302);
  const cookie = res.cookies?.[0];
  if (cookie && !visitor.cookies) visitor.cookies = [cookie.split(';')[0]!];
}

const visitorIdOf = (visitor: Visitor) => visitor.cookies![0]!.split('=')[1]!;
const image = (r: DynamoDBRecord) => r.dynamodb!.NewImage as Record<string, { S?: string; BOOL?: boolean }>;

/** The stream's records of these visitors' clicks, in stream order, without aggregating anything. */
async function recordsOf(...visitors: Visitor[]): Promise<DynamoDBRecord[]> {
  const ids = new Set(visitors.map(visitorIdOf));
  const batches = await pumpStream(async () => ({ batchItemFailures: [] }));
  return batches.flat().filter((r) => ids.has(image(r).visitorId!.S!));
}

/** Runs `work` counting, at the SDK, the visitor keys read and the transactions sent (and cancelled). */
async function observe<T>(work: () => Promise<T>) {
  const seen = { visitorKeysRead: [] as string[], transactions: 0, cancelled: 0 };
  const spy =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      if (context.commandName === 'BatchGetItemCommand') {
        // Marshalled or not, depending on where in the stack this runs: read either form.
        const request = args.input.RequestItems as Record<
          string,
          { Keys: Array<{ pk: string | { S: string } }> }
        >;
        for (const { Keys } of Object.values(request)) {
          for (const { pk } of Keys) {
            const value = typeof pk === 'string' ? pk : pk.S;
            if (value.startsWith('VISITOR#')) seen.visitorKeysRead.push(value);
          }
        }
      }
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      seen.transactions++;
      try {
        return await next(args);
      } catch (err) {
        seen.cancelled++;
        throw err;
      }
    };
  dynamoClient.middlewareStack.add(spy as never, {
    step: 'serialize',
    name: 'observeAggregation',
    priority: 'high',
  });
  try {
    return { result: await work(), seen };
  } finally {
    dynamoClient.middlewareStack.remove('observeAggregation');
  }
}

async function totals(link: string) {
  const res = await app.api({
    path: `/api/links/${links[link]!.id}/stats`,
    query: { from: '2026-11-12', to: '2026-11-14' },
  });
  expect(res.statusCode).toBe(200);
  return parseBody<{ totals: Record<string, number> }>(res).totals;
}

beforeAll(async () => {
  app = await setupApp();
  for (const [name, stage] of [
    ['A', 'awareness'],
    ['B', 'consideration'],
  ] as const) {
    const res = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: `https://shop.example/${name}`, touchpoint: `tp-${name}`, stage },
    });
    expect(res.statusCode).toBe(201);
    links[name] = parseBody(res);
  }
});

afterEach(() => {
  vi.useRealTimers();
});

describe('a visitor whose id the redirect just minted', () => {
  it('is marked on that click only, and the aggregator reads no state for them', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const returning: Visitor = {};
    await clickAs(returning, 'A', '2026-11-12T09:00:00Z');
    vi.useRealTimers();
    await aggregateRecords(await recordsOf(returning));

    const v: Visitor = {};
    const w: Visitor = {};
    vi.useFakeTimers({ toFake: ['Date'] });
    await clickAs(v, 'A', '2026-11-12T10:00:00Z');
    await clickAs(w, 'A', '2026-11-12T10:05:00Z');
    await clickAs(v, 'B', '2026-11-12T10:10:00Z');
    await clickAs(returning, 'B', '2026-11-12T10:15:00Z');
    vi.useRealTimers();

    const records = (await recordsOf(v, w, returning)).slice(1); // the returning visitor's first is counted
    expect(records.map((r) => image(r).newVisitor?.BOOL ?? false)).toEqual([true, true, false, false]);

    const { result, seen } = await observe(() => aggregateRecords(records));
    expect(result.batchItemFailures).toEqual([]);
    expect(result.stats.applied).toBe(4);
    // Only the returning visitor's state is read; v's second click finds v's state in the batch itself.
    expect(seen.visitorKeysRead).toEqual([`VISITOR#${visitorIdOf(returning)}`]);
    expect(seen.cancelled).toBe(0);

    expect(await totals('A')).toMatchObject({ clicks: 3, uniqueVisitors: 3 });
    expect(await totals('B')).toMatchObject({ clicks: 2, uniqueVisitors: 2 });
    expect((await recount()).differences).toEqual([]);
  });

  it('is still counted once when their later click was aggregated first (another shard)', async () => {
    const x: Visitor = {};
    vi.useFakeTimers({ toFake: ['Date'] });
    await clickAs(x, 'A', '2026-11-13T10:00:00Z');
    await clickAs(x, 'B', '2026-11-13T10:30:00Z');
    vi.useRealTimers();
    const [minting, later] = await recordsOf(x);
    expect(image(minting!).newVisitor?.BOOL).toBe(true);
    // Two shards hold two raw-click keys: if both clicks drew the same key, the later one moves next door.
    const keyOf = (r: DynamoDBRecord) => image(r).pk!.S!;
    if (keyOf(minting!) === keyOf(later!)) {
      const moved = keyOf(later!).replace(/#(\d+)$/, (_, p) => `#${(Number(p) + 1) % 32}`);
      image(later!).pk = { S: moved };
      (later!.dynamodb!.Keys as Record<string, { S: string }>).pk = { S: moved };
    }

    const first = await aggregateRecords([later!]);
    expect(first.stats.applied).toBe(1);
    // The minted click now arrives with x's state already stored: the first attempt trusts the mark,
    // its condition cancels the transaction, and the retry reads x.
    const { result, seen } = await observe(() => aggregateRecords([minting!]));
    expect(result.batchItemFailures).toEqual([]);
    expect(result.stats.applied).toBe(1);
    expect(seen.cancelled).toBe(1);
    expect(seen.visitorKeysRead).toEqual([`VISITOR#${visitorIdOf(x)}`]);

    const day = { from: '2026-11-13', to: '2026-11-14' };
    for (const link of ['A', 'B']) {
      const res = await app.api({ path: `/api/links/${links[link]!.id}/stats`, query: day });
      expect(parseBody<{ totals: Record<string, number> }>(res).totals).toMatchObject({
        clicks: 1,
        uniqueVisitors: 1,
      });
    }
    expect((await recount()).differences).toEqual([]);
  });
});
