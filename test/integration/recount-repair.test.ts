import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { aggregateRecords } from '#aggregation/aggregate';
import { recount } from '#aggregation/recount';
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

it('recount --repair rebuilds the journey states a dead-lettered batch left behind, so counters stay right', async () => {
  const visitor = await clickOn('awareness', day(1));
  await pumpStream();

  // The first consideration click's batch is dead-lettered: Lambda moves on and never delivers it again.
  await clickOn('consideration', day(2), visitor);
  await clickOn('consideration', day(3), visitor);
  let skipped = 0;
  const withoutDeadLettered = (records: Parameters<typeof aggregateRecords>[0]) =>
    aggregateRecords(
      records.filter((r) => {
        const deadLettered = r.dynamodb?.NewImage?.at?.S === day(2);
        if (deadLettered) skipped++;
        return !deadLettered;
      }),
    );
  await pumpStream(withoutDeadLettered);
  expect(skipped).toBeGreaterThan(0);

  const before = await recount();
  expect(before.differences.length).toBeGreaterThan(0);
  expect(before.visitorDifferences).toHaveLength(1);
  const repaired = await recount({ repair: true });
  expect(repaired.visitorsRepaired).toBe(1);
  expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });

  // The visitor goes on: their progression is computed from the repaired state.
  await clickOn('decision', day(4), visitor);
  await pumpStream(withoutDeadLettered);
  expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [] });
});
