import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { aggregateRecords } from '#aggregation/aggregate';
import { ALL_DELTA_SLOTS, applyDeltas } from '#aggregation/apply-deltas';
import { recount } from '#aggregation/recount';
import { db } from '#shared/dynamo';
import { setupApp } from '../support/app';
import { clickOn, SAMPLE_LINK } from '../support/clicks';
import { parseBody } from '../support/events';
import { captureStderr } from '../support/stderr';
import { syntheticRecords } from '../support/stream';

/**
 * A raw-click item that is not a click (written by hand, a hand-edited replay) reaches the aggregator
 * between good ones: the good clicks are counted, the bad one is left out, logged whole and counted as a
 * metric (the StreamRecordsRejected alarm), and no counter of `undefined` appears.
 */
let app: Awaited<ReturnType<typeof setupApp>>;
let link: typeof SAMPLE_LINK;

beforeAll(async () => {
  app = await setupApp();
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: 'https://brand.example/', touchpoint: 'poster', stage: 'awareness' },
  });
  const { id, slug } = parseBody<{ id: string; slug: string }>(res);
  link = { ...SAMPLE_LINK, id, slug };
});

it('counts the good clicks of a batch and leaves out, and reports, an item that is not a click', async () => {
  const at = new Date().toISOString();
  const clicks = ['good1', 'bad', 'good2'].map((id, i) =>
    clickOn(link, { id, at, visitorId: `v_reject_${i}`.padEnd(20, '0') }),
  );
  const records = syntheticRecords(clicks);
  const bad = records[1]!.dynamodb!.NewImage as Record<string, unknown>;
  delete bad.linkId; // e.g. a replay line edited by hand
  const lines = await captureStderr(async () => {
    expect((await aggregateRecords(records)).batchItemFailures).toEqual([]);
  });
  await applyDeltas(ALL_DELTA_SLOTS);

  const rejected = lines.filter((l) => l.includes('"stream_record_rejected"')).map((l) => JSON.parse(l));
  expect(rejected).toHaveLength(1);
  expect(rejected[0]).toMatchObject({ problem: expect.stringMatching(/^linkId: /), item: { id: 'bad' } });
  expect(lines.some((l) => l.includes('"StreamRecordsRejected"'))).toBe(true);

  const stats = parseBody<{ totals: { clicks: number; uniqueVisitors: number } }>(
    await app.api({ path: `/api/links/${link.id}/stats` }),
  );
  expect(stats.totals).toMatchObject({ clicks: 2, uniqueVisitors: 2 });
  // Delivered again (Lambda retries a batch): still counted once, still left out.
  await captureStderr(() => aggregateRecords(records));
  await applyDeltas(ALL_DELTA_SLOTS);
  const again = parseBody<{ totals: { clicks: number } }>(
    await app.api({ path: `/api/links/${link.id}/stats` }),
  );
  expect(again.totals.clicks).toBe(2);
  // Recount, over the same three raw items in the table, leaves it out the same way: the counters
  // match, and it says what it left out.
  for (const record of records) {
    const item = unmarshall(record.dynamodb!.NewImage as Record<string, AttributeValue>);
    await db.send(new PutCommand({ TableName: process.env.TABLE_NAME, Item: item }));
  }
  expect(await recount()).toMatchObject({ differences: [], visitorDifferences: [], rejectedClicks: 1 });
});
