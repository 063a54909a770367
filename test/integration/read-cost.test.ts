import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { aggregateRecords } from '#aggregation/aggregate';
import { ALL_DELTA_SLOTS, applyDeltas } from '#aggregation/apply-deltas';
import { readDeltas } from '#aggregation/delta-repository';

import type { ClickEvent } from '#clicks/model';
import { isCountAttribute } from '#shared/counter-items';
import { db } from '#shared/dynamo';
import { scanEntities } from '#shared/table';
import { setupApp } from '../support/app';
import { clickOn, SAMPLE_LINK } from '../support/clicks';
import { parseBody } from '../support/events';
import { recordSdkCalls, watchSdkCalls } from '../support/sdk-calls';
import { syntheticRecords } from '../support/stream';

/**
 * Analytics reads cost O(time buckets × dimensions), never O(clicks): the same 30-day queries are run
 * at 1,000 and at 1,000,000 clicks and must send the same number of DynamoDB requests.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
let linkId = '';
const FROM = '2026-09-01';
const TO = '2026-10-01';
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP'];
const STAGES = ['awareness', 'consideration', 'decision'];

function clicksFor(count: number, seed: number): ClickEvent[] {
  const start = Date.parse(`${FROM}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => {
    const n = i + seed;
    const stage = STAGES[n % 3]!;
    const link = { ...SAMPLE_LINK, id: linkId, slug: 'x', stage, touchpoint: `${stage}-tp` };
    return clickOn(link, {
      id: `c${seed}-${i}`,
      // Spread over the 30 days, at three hours of each day.
      at: new Date(
        start + (n % 30) * 86_400_000 + (9 + (n % 3) * 4) * 3_600_000 + (n % 3_600) * 1000,
      ).toISOString(),
      source: n % 4 === 0 ? 'scan' : 'click',
      visitorId: `v_${seed}_${(n % 50).toString().padStart(16, '0')}`,
      bot: n % 10 === 0,
      country: COUNTRIES[n % COUNTRIES.length] ?? null,
    });
  });
}

async function countRequests<T>(fn: () => Promise<T>): Promise<{ result: T; requests: number }> {
  const { result, calls } = await recordSdkCalls(fn);
  return { result, requests: calls.length };
}

async function readAll() {
  const stats = await app.api({ path: `/api/links/${linkId}/stats`, query: { from: FROM, to: TO } });
  const touchpoints = await app.api({ path: '/api/touchpoints', query: { from: FROM, to: TO } });
  const funnel = await app.api({ path: '/api/journeys/default/funnel', query: { from: FROM, to: TO } });
  for (const r of [stats, touchpoints, funnel]) expect(r.statusCode).toBe(200);
  return parseBody<{ totals: { clicks: number; scans: number } }>(stats);
}

beforeAll(async () => {
  app = await setupApp();
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: 'https://brand.example/', touchpoint: 'awareness-tp', stage: 'awareness' },
  });
  linkId = parseBody<{ id: string }>(res).id;
});

describe('analytics read cost', () => {
  it('sends the same number of requests for 1,000 clicks as for 1,000,000', async () => {
    const records = syntheticRecords(clicksFor(1000, 0));
    for (let i = 0; i < records.length; i += 100) {
      expect((await aggregateRecords(records.slice(i, i + 100))).batchItemFailures).toEqual([]);
    }
    await applyDeltas(ALL_DELTA_SLOTS); // full batches leave deltas pending; the scheduled run applies them
    const small = await countRequests(readAll);
    expect(small.result.totals.clicks + small.result.totals.scans).toBe(900); // 100 of 1,000 are bots

    // 1,000,000 clicks over the same 30 days fill the same hourly and daily counter items, only with
    // larger numbers: scale every counter item by 1,000, as 999,000 more such clicks would.
    const counterItems: Array<Record<string, unknown>> = [];
    await scanEntities((item) => {
      if (['link_stats', 'touchpoint_stats', 'stage_stats'].includes(item.entity as string))
        counterItems.push(item);
    });
    const scale = async (item: Record<string, unknown>) => {
      // Counts only: the job numbers on the item (ADR 0058) are not counts.
      const numeric = Object.entries(item).filter(([a, v]) => typeof v === 'number' && isCountAttribute(a));
      await db.send(
        new UpdateCommand({
          TableName: process.env.TABLE_NAME,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${numeric.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(numeric.map(([k], i) => [`#a${i}`, k])),
          ExpressionAttributeValues: Object.fromEntries(
            numeric.map(([, v], i) => [`:v${i}`, (v as number) * 1000]),
          ),
        }),
      );
    };
    for (let i = 0; i < counterItems.length; i += 25)
      await Promise.all(counterItems.slice(i, i + 25).map(scale));
    const large = await countRequests(readAll);
    expect(large.result.totals.clicks + large.result.totals.scans).toBe(900_000);
    expect(large.requests).toBe(small.requests);
    // Per report: authentication (1 GetItem), the pending-counter snapshot (the job items twice, one
    // Query per delta slot: 6) and a few queries of counter items: nothing proportional to clicks.
    expect(small.requests).toBeLessThanOrEqual(3 * 12);
  });

  it('writes each counter item once per delta slot, however many full batches its clicks arrived in', async () => {
    await applyDeltas(ALL_DELTA_SLOTS); // nothing left over from the tests above
    // 500 clicks of one day, as five full batches of 100 (a busy stream): one link with clicks in three
    // hours, three touchpoints of three stages, so 16 counter items (3 link hours, 1 link day,
    // 3 touchpoint days and their 3 weeks, 3 stage days and their 3 weeks).
    const oneDay = clicksFor(500, 5000).map((c) => ({ ...c, at: `2026-09-10T${c.at.slice(11)}` }));
    const records = syntheticRecords(oneDay);
    const dayTotals = async () =>
      parseBody<{ totals: Record<string, number> }>(
        await app.api({
          path: `/api/links/${linkId}/stats`,
          query: { from: '2026-09-10', to: '2026-09-11' },
        }),
      ).totals;
    const before = await dayTotals();
    const written: string[] = [];
    let applyCount = 0;
    // Counter items are written one UpdateItem each (ADR 0058), outside any transaction.
    const stopRecording = watchSdkCalls(({ command, input }) => {
      if (command === 'TransactWriteItemsCommand')
        expect((input.TransactItems ?? []).filter((a) => a.Update?.Key?.pk?.S?.includes('STATS#'))).toEqual(
          [],
        );
      if (command !== 'UpdateItemCommand') return;
      const key = input.Key as { pk?: { S?: string }; sk?: { S?: string } } | undefined;
      if (key?.pk?.S?.includes('STATS#')) written.push(`${key.pk.S} ${key.sk?.S}`);
    });
    try {
      for (let i = 0; i < 500; i += 100) {
        const { stats } = await aggregateRecords(records.slice(i, i + 100));
        expect(stats.applied).toBe(100);
        expect(stats.segments).toBe(1); // visitors, checkpoints and the delta in one transaction
      }
      // Busy stream, 500 pending clicks < AGGREGATE_FLUSH_CLICKS: nothing applied yet.
      expect(written).toEqual([]);
      const pending = await Promise.all(ALL_DELTA_SLOTS.map((slot) => readDeltas(slot, 100, false)));
      expect(pending.reduce((n, p) => n + p.length, 0)).toBe(5);
      // Applying a slot merges all its deltas: each counter item is written once, whatever the
      // number of batches behind it.
      for (const slot of ALL_DELTA_SLOTS) {
        if (pending[slot]!.length === 0) continue;
        const from = written.length;
        const applied = await applyDeltas([slot]);
        const thisSlot = written.slice(from);
        expect(applied.counterWrites).toBe(thisSlot.length);
        expect(new Set(thisSlot).size).toBe(thisSlot.length);
        expect(thisSlot.length).toBeLessThanOrEqual(16);
        applyCount++;
      }
    } finally {
      stopRecording();
    }
    expect(new Set(written).size).toBe(16);
    expect(applyCount).toBeLessThan(5); // fewer merges than batches: 4 slots at most
    const after = await dayTotals();
    expect(after.botClicks! - before.botClicks!).toBe(oneDay.filter((c) => c.bot).length);
    expect(after.scans! - before.scans!).toBe(oneDay.filter((c) => !c.bot && c.source === 'scan').length);
    expect(after.clicks! - before.clicks!).toBe(oneDay.filter((c) => !c.bot && c.source === 'click').length);
  });
});
