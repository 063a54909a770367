import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { aggregateRecords } from '#aggregation/aggregate';
import { recount } from '#aggregation/recount';
import { streamDrain } from '../../bin/stream-drain';
import { setupApp } from '../support/app';
import { BROWSER_UA, parseBody } from '../support/events';
import { pumpStream } from '../support/stream';

/**
 * The runbook's recovery for a dead-lettered batch (docs/operations.md): `recount --repair`. The batch's
 * clicks are stored but were never aggregated, so the counters and the visitor's journey state both miss
 * them. Repair must rebuild both: with the counters alone, the visitor's next click adds funnel deltas
 * computed from the incomplete state, and the counters are wrong again.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
const slugs: Record<string, string> = {};

beforeAll(async () => {
  app = await setupApp();
  for (const stage of ['awareness', 'consideration', 'decision']) {
    const res = await app.api({
      method: 'POST',
      path: '/api/links',
      body: { url: `https://shop.example/${stage}`, touchpoint: `repair-${stage}`, stage },
    });
    expect(res.statusCode).toBe(201);
    slugs[stage] = parseBody<{ slug: string }>(res).slug;
  }
});

/** 10:00 UTC on the n-th of four days ending a week ago: within any retention, whenever the test runs. */
const day = (n: number) => {
  const start = new Date(Date.now() - 11 * 86_400_000);
  start.setUTCHours(10, 0, 0, 0);
  return new Date(start.getTime() + n * 86_400_000).toISOString();
};

afterEach(() => {
  vi.useRealTimers();
});

async function clickOn(stage: string, iso: string, cookies?: string[]): Promise<string[]> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(iso));
  const res = await app.click(slugs[stage]!, { userAgent: BROWSER_UA, cookies });
  vi.useRealTimers();
  expect(res.statusCode).toBe(302);
  return cookies ?? [res.cookies![0]!.split(';')[0]!];
}

/** Recount as `npm run recount` runs it: it reads the table's stream (bin/stream-drain.ts). */
async function recountWithStream(options: { repair?: boolean; afterDrain?: () => Promise<void> } = {}) {
  const stream = streamDrain();
  const drain = stream.drain.bind(stream);
  try {
    return await recount({
      repair: options.repair,
      stream: {
        ...stream,
        drain: async () => {
          await drain();
          await options.afterDrain?.();
        },
      },
    });
  } finally {
    stream.close();
  }
}

/** Lambda's event source mapping after it gave up on the batches holding `deadLettered` clicks. */
const skipping = (deadLettered: Set<string>) => (records: Parameters<typeof aggregateRecords>[0]) =>
  aggregateRecords(records.filter((r) => !deadLettered.has(String(r.dynamodb?.NewImage?.at?.S))));

it('recount --repair rebuilds the journey states a dead-lettered batch left behind, so counters stay right', async () => {
  const visitor = await clickOn('awareness', day(1));
  await pumpStream();

  // The first consideration click's batch is dead-lettered; a click minutes later on the same raw-click
  // key is counted, so its checkpoint has moved past the lost one.
  const lost = day(2);
  const minutesLater = new Date(Date.parse(lost) + 5 * 60_000).toISOString();
  await clickOn('consideration', lost, visitor);
  await clickOn('consideration', minutesLater, visitor);
  const withoutDeadLettered = skipping(new Set([lost]));
  await pumpStream(withoutDeadLettered);

  const before = await recountWithStream();
  expect(before.differences.length).toBeGreaterThan(0);
  expect(before.visitorDifferences).toHaveLength(1);
  const repaired = await recountWithStream({ repair: true });
  expect(repaired.visitorsRepaired).toBe(1);
  expect(await recountWithStream()).toMatchObject({ differences: [], visitorDifferences: [] });

  // The visitor goes on: their progression is computed from the repaired state.
  await clickOn('decision', day(4), visitor);
  await pumpStream(withoutDeadLettered);
  expect(await recountWithStream()).toMatchObject({ differences: [], visitorDifferences: [] });
});

it('counts a click the stream still held when aggregation was paused, and one arriving during recount, once each', async () => {
  const visitor = await clickOn('awareness', day(5));
  await pumpStream();
  // Aggregation is paused (the runbook's first step): this click stays in the stream.
  await clickOn('consideration', day(6), visitor);
  let late: string[] = [];
  const report = await recountWithStream({
    repair: true,
    // A visitor clicks while recount runs: stored after the drain read the stream.
    afterDrain: async () => {
      late = await clickOn('awareness', day(7));
    },
  });
  expect(report).toMatchObject({ differences: [], visitorDifferences: [] });
  expect(late).toHaveLength(1);
  // Aggregation resumes: the mapping delivers the stream again from where it stopped; the held click is
  // skipped (the drain counted it), the late one is counted now.
  await pumpStream();
  expect(await recountWithStream()).toMatchObject({ differences: [], visitorDifferences: [] });
  const stats = await app.api({
    path: '/api/touchpoints',
    query: { from: day(5).slice(0, 10), to: day(8).slice(0, 10) },
  });
  const rows = parseBody<{ touchpoints: Array<{ touchpoint: string; clicks: number }> }>(stats).touchpoints;
  expect(Object.fromEntries(rows.map((r) => [r.touchpoint, r.clicks]))).toMatchObject({
    'repair-awareness': 2,
    'repair-consideration': 1,
  });
});
