import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { aggregateRecords } from '#aggregation/aggregate';
import { ALL_DELTA_SLOTS, applyDeltas } from '#aggregation/apply-deltas';
import { recount } from '#aggregation/recount';
import { replayClickLog } from '#clicks/replay';
import { db } from '#shared/dynamo';
import { keys } from '#shared/keys';
import { setupApp } from '../support/app';
import { BROWSER_UA, parseBody } from '../support/events';
import { type SdkCall, sdkError, watchSdkCalls, withSdkFault } from '../support/sdk-calls';
import { captureStderr } from '../support/stderr';
import { pumpStream } from '../support/stream';

/**
 * ADR 0015: the redirect mints a visitor id that names the visitor's first click, and the aggregator
 * writes no journey state for that click. A later click of theirs starts from the first click, read by
 * the id. Every number stays exact whatever order the two are aggregated in, also when the first
 * click's write failed and is replayed later, and when it is replayed while the later click is being
 * aggregated; `recount` (which rebuilds every counter from the raw clicks) agrees each time.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
const links: Record<string, { id: string; slug: string }> = {};

type Visitor = { cookies?: string[] };

async function clickAs(visitor: Visitor, link: string, time: string) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(time));
  try {
    const res = await app.click(links[link]!.slug, { userAgent: BROWSER_UA, cookies: visitor.cookies });
    expect(res.statusCode).toBe(302);
    const cookie = res.cookies?.[0];
    if (cookie && !visitor.cookies) visitor.cookies = [cookie.split(';')[0]!];
  } finally {
    vi.useRealTimers();
  }
}

/** A click whose write DynamoDB refuses (throttled): the redirect still answers, and logs the click. */
async function clickWithFailedWrite(visitor: Visitor, link: string, time: string): Promise<string[]> {
  let failed = 0;
  const lines = await withSdkFault(
    ({ command }) => command === 'PutItemCommand' && failed++ === 0,
    () => sdkError('ProvisionedThroughputExceededException', 'injected: throttled'),
    () => captureStderr(() => clickAs(visitor, link, time)),
  );
  expect(failed).toBe(1);
  expect(lines.some((l) => l.includes('click_write_failed'))).toBe(true);
  return lines;
}

const visitorIdOf = (visitor: Visitor) => visitor.cookies![0]!.split('=')[1]!;
const image = (r: DynamoDBRecord) => r.dynamodb!.NewImage as Record<string, { S?: string; BOOL?: boolean }>;

/** The stream's records of these visitors' clicks, from its start, in stream order, aggregating nothing. */
async function recordsOf(...visitors: Visitor[]): Promise<DynamoDBRecord[]> {
  const ids = new Set(visitors.map(visitorIdOf));
  const batches = await pumpStream(async () => ({ batchItemFailures: [] }), 100, { applyPending: false });
  return batches.flat().filter((r) => r.eventName === 'INSERT' && ids.has(image(r).visitorId?.S ?? ''));
}

async function storedState(visitor: Visitor) {
  const res = await db.send(
    new GetCommand({ TableName: process.env.TABLE_NAME, Key: keys.visitor(visitorIdOf(visitor)) }),
  );
  return res.Item;
}

/** Runs `work` counting, at the SDK, the transactions sent and cancelled and the items they write. */
async function observe<T>(work: () => Promise<T>, beforeTransaction?: () => Promise<void>) {
  const seen = { transactions: 0, cancelled: 0, visitorWrites: 0 };
  const isTransaction = (call: SdkCall) => call.command === 'TransactWriteItemsCommand';
  const stop = watchSdkCalls(
    async (call) => {
      if (!isTransaction(call)) return;
      seen.transactions++;
      for (const item of call.input.TransactItems ?? []) {
        if (item.Put?.Item?.pk?.S?.startsWith('VISITOR#')) seen.visitorWrites++;
      }
      await beforeTransaction?.();
    },
    {
      settled: (call, error) => {
        if (error && isTransaction(call)) seen.cancelled++;
      },
    },
  );
  try {
    return { result: await work(), seen };
  } finally {
    stop();
  }
}

/** Reads come after the scheduled apply of pending counter deltas (every minute in AWS, ADR 0040). */
const applyPending = () => applyDeltas(ALL_DELTA_SLOTS);

async function linkTotals(link: string, day: string) {
  await applyPending();
  const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
  const res = await app.api({ path: `/api/links/${links[link]!.id}/stats`, query: { from: day, to: next } });
  expect(res.statusCode).toBe(200);
  return parseBody<{ totals: Record<string, number> }>(res).totals;
}

/** The funnel's awareness row for one day: visitors who reached it, and of those, who moved on. */
async function awareness(day: string) {
  await applyPending();
  const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
  const res = await app.api({ path: '/api/journeys/default/funnel', query: { from: day, to: next } });
  expect(res.statusCode).toBe(200);
  const { stages } = parseBody<{ stages: Array<{ stage: string; visitors: number; progressed: number }> }>(
    res,
  );
  return stages.find((s) => s.stage === 'awareness');
}

/** Puts the two records on different raw-click keys, as two shards would hold them. */
function onDifferentKeys(first: DynamoDBRecord | string, later: DynamoDBRecord) {
  const keyOf = (r: DynamoDBRecord) => image(r).pk!.S!;
  if ((typeof first === 'string' ? first : keyOf(first)) !== keyOf(later)) return;
  const moved = keyOf(later).replace(/#(\d+)$/, (_, p) => `#${(Number(p) + 1) % 32}`);
  image(later).pk = { S: moved };
  (later.dynamodb!.Keys as Record<string, { S: string }>).pk = { S: moved };
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
      body: { url: `https://shop.example/${name}`, touchpoint: `first-click-${name}`, stage },
    });
    expect(res.statusCode).toBe(201);
    links[name] = parseBody(res);
  }
});

afterEach(() => {
  vi.useRealTimers();
});

describe("a visitor's first click (ADR 0015)", () => {
  it('is counted without writing a journey state; the second click starts from it, read by the id', async () => {
    const v: Visitor = {};
    await clickAs(v, 'A', '2026-11-10T10:00:00Z');
    const first = await observe(async () => aggregateRecords(await recordsOf(v)));
    expect(first.result.stats.applied).toBe(1);
    expect(first.seen.visitorWrites).toBe(0);
    expect(await storedState(v)).toBeUndefined();
    expect(await linkTotals('A', '2026-11-10')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });

    await clickAs(v, 'B', '2026-11-10T10:30:00Z');
    await clickAs(v, 'A', '2026-11-10T11:00:00Z'); // again: not a new unique visitor of A
    // Without the (counted) first click in the batch: the consumer reads it by v's id.
    const later = (await recordsOf(v)).slice(1);
    expect(later.map((r) => image(r).newVisitor?.BOOL ?? false)).toEqual([false, false]);
    const second = await observe(() => aggregateRecords(later));
    expect(second.result.stats.applied).toBe(2);
    expect(second.seen.visitorWrites).toBe(1);
    const state = JSON.parse((await storedState(v))!.state as string);
    expect(Object.keys(state.links).sort()).toEqual([links.A!.id, links.B!.id].sort());
    expect(state.links[links.A!.id]).toBe(Date.parse('2026-11-10T10:00:00Z'));

    expect(await linkTotals('A', '2026-11-10')).toMatchObject({ clicks: 2, uniqueVisitors: 1 });
    expect(await linkTotals('B', '2026-11-10')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });
    expect(await awareness('2026-11-10')).toMatchObject({ visitors: 1, progressed: 1 });
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('is counted once when the later click is aggregated first (another shard)', async () => {
    const x: Visitor = {};
    await clickAs(x, 'A', '2026-11-11T10:00:00Z');
    await clickAs(x, 'B', '2026-11-11T10:30:00Z');
    const [minting, later] = await recordsOf(x);
    expect(image(minting!).newVisitor?.BOOL).toBe(true);
    onDifferentKeys(minting!, later!);

    expect((await aggregateRecords([later!])).stats.applied).toBe(1);
    // Nothing of this process pending, so no slot falls due during the observed batch (ADR 40 applies a
    // slot once its first delta is 30 s old: on a slow run, earlier tests' deltas would be applied here).
    await applyPending();
    const { result, seen } = await observe(() => aggregateRecords([minting!]));
    expect(result.stats.applied).toBe(1);
    expect(seen).toMatchObject({ cancelled: 0, visitorWrites: 0 });

    expect(await linkTotals('A', '2026-11-11')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });
    expect(await linkTotals('B', '2026-11-11')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });
    expect(await awareness('2026-11-11')).toMatchObject({ visitors: 1, progressed: 1 });
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('is counted once when its write failed and it is replayed after the later click was aggregated', async () => {
    const y: Visitor = {};
    const lines = await clickWithFailedWrite(y, 'A', '2026-11-12T10:00:00Z');
    await clickAs(y, 'B', '2026-11-12T10:30:00Z');

    // Only the later click is stored: its state is written without the first click, and says so.
    const [later] = await recordsOf(y);
    await aggregateRecords([later!]);
    expect(await storedState(y)).toMatchObject({ firstClickMissing: true, version: 1 });
    expect(await linkTotals('B', '2026-11-12')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });
    // Another later click, on A: for now it is y's first on A (11:00), until the first click (10:00) comes.
    await clickAs(y, 'A', '2026-11-12T11:15:00Z');
    await aggregateRecords([(await recordsOf(y)).at(-1)!]);
    expect(await storedState(y)).toMatchObject({ firstClickMissing: true, version: 2 });

    expect(await replayClickLog(lines)).toMatchObject({ inserted: 1 });
    const replayed = (await recordsOf(y)).at(-1);
    expect(image(replayed!).newVisitor?.BOOL).toBe(true);
    const { seen } = await observe(() => aggregateRecords([replayed!]));
    expect(seen.visitorWrites).toBe(1); // merged into the state this time
    expect(await storedState(y)).not.toHaveProperty('firstClickMissing');

    expect(await linkTotals('A', '2026-11-12')).toMatchObject({ clicks: 2, uniqueVisitors: 1 });
    expect(await linkTotals('B', '2026-11-12')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });
    expect(await awareness('2026-11-12')).toMatchObject({ visitors: 1, progressed: 1 });
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('is counted once when it is replayed while the later click is being aggregated', async () => {
    const z: Visitor = {};
    const lines = await clickWithFailedWrite(z, 'A', '2026-11-13T10:00:00Z');
    await clickAs(z, 'B', '2026-11-13T10:30:00Z');
    const [later] = await recordsOf(z);
    // "Another shard" is only possible for another raw-click key: records of one key are read in order from
    // one shard. Both clicks land on the same key one time in 32 (the later click's partition is random).
    onDifferentKeys(keys.firstClick(visitorIdOf(z))?.key.pk ?? '', later!);

    // The later click's aggregator did not find the first click. Just before it commits, the first click
    // is replayed and aggregated on its own (another shard): it finds no state, so it counts alone. The
    // later click's commit is cancelled, and its retry starts from the first click.
    let replays = 0;
    // Nothing of this process pending, so no slot falls due during the observed batch (ADR 40 applies a
    // slot once its first delta is 30 s old: on a slow run, earlier tests' deltas would be applied here).
    await applyPending();
    const { result, seen } = await observe(
      () => aggregateRecords([later!]),
      async () => {
        if (replays++ > 0) return;
        expect(await replayClickLog(lines)).toMatchObject({ inserted: 1 });
        const replayed = (await recordsOf(z)).at(-1)!;
        expect(image(replayed).newVisitor?.BOOL).toBe(true);
        expect((await aggregateRecords([replayed])).stats.applied).toBe(1);
      },
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(result.stats.applied).toBe(1);
    expect(seen.cancelled).toBe(1);
    expect(await storedState(z)).not.toHaveProperty('firstClickMissing');

    expect(await linkTotals('A', '2026-11-13')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });
    expect(await linkTotals('B', '2026-11-13')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });
    expect(await awareness('2026-11-13')).toMatchObject({ visitors: 1, progressed: 1 });
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });

  it('is counted once when the later click comes first in the same batch', async () => {
    const w: Visitor = {};
    await clickAs(w, 'A', '2026-11-15T10:00:00Z');
    await clickAs(w, 'B', '2026-11-15T10:30:00Z');
    const [minting, later] = await recordsOf(w);
    onDifferentKeys(minting!, later!);
    // Nothing of this process pending, so no slot falls due during the observed batch (ADR 40 applies a
    // slot once its first delta is 30 s old: on a slow run, earlier tests' deltas would be applied here).
    await applyPending();
    const { result, seen } = await observe(() => aggregateRecords([later!, minting!]));
    expect(result.stats.applied).toBe(2);
    expect(seen).toMatchObject({ cancelled: 0, visitorWrites: 1 });
    expect(await linkTotals('A', '2026-11-15')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });
    expect(await linkTotals('B', '2026-11-15')).toMatchObject({ clicks: 1, uniqueVisitors: 1 });
    expect(await awareness('2026-11-15')).toMatchObject({ visitors: 1, progressed: 1 });
    expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
  });
});
