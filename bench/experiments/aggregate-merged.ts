/**
 * Profiling experiment for figure 6 (not part of `npm run bench`): today's `aggregateRecords` against a
 * prototype of the recommended change, on the same workload, interleaved, batch size 100 and 500.
 * Run: npx tsx bench/experiments/aggregate-merged.ts
 *
 * Today a batch's items (counters + one visitor item per visitor + one checkpoint per raw-click key) are
 * cut into TransactWriteItems of at most 100 items, and every cut repeats the counter items and
 * checkpoints its records touch: ~3 transactions per batch of 100, ~1 counter write per click.
 *
 * The prototype (`aggregateMerged`) writes the batch in two phases:
 *  1. visitor items, conditional puts (version check) sent as TransactWriteItems of up to 100 puts (no
 *     atomicity is needed across visitors; on DynamoDB Local one request per 100 items is much cheaper
 *     than 100 PutItems: an earlier variant with parallel PutItems was slower), each item carrying the
 *     counter deltas its clicks produced (`pending`, keyed by click key and sequence number) so that a
 *     redelivery re-uses them instead of recomputing from a state that already contains the clicks;
 *  2. ONE TransactWriteItems with every counter item merged over the whole batch plus the checkpoints
 *     (cut only if that alone exceeds 100 items).
 * It models the cost (requests, items, item sizes); the redelivery path (re-using `pending`, dropping
 * entries at or below the checkpoint) is described in docs/benchmarks.md, not exercised here.
 * A third row runs today's aggregator as 4 concurrent consumers (Lambda's parallelizationFactor 4: records
 * split by raw-click key, in order per key), retrying a batch from its first failed record as Lambda does.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.TOUCHPOINT_LOG_SILENT = '1';

const { freePort } = await import('../../functions/local/dynamodb-local');
const { startLocalRuntime } = await import('../../functions/local/runtime');
const runtime = await startLocalRuntime({ port: await freePort(), aggregate: false });
try {
  const { dynamoClient } = await import('../../functions/shared/dynamo');
  const { clickCounterUpdates, contributionDelta, mergeUpdates } = await import(
    '../../functions/analytics/counters'
  );
  const { applyClick, contributions } = await import('../../functions/journeys/visitor-state');
  const repo = await import('../../functions/analytics/repository');
  const { stageOrders } = await import('../../functions/analytics/stage-orders');
  const { SdkCounter } = await import('../sdk-counter');
  const { runOnce } = await import('../aggregation');
  const { median } = await import('../lib');
  type ClickEvent = import('../../functions/clicks/model').ClickEvent;
  type VisitorState = import('../../functions/journeys/visitor-state').VisitorState;
  type CounterUpdate = import('../../functions/analytics/counters').CounterUpdate;

  const aggregateMerged = async (records: DynamoDBRecord[]) => {
    const parsed = records.map((r) => {
      const { pk, sk: _sk, entity: _e, ttl: _t, ...click } = unmarshall(r.dynamodb!.NewImage as never);
      return { seq: r.dynamodb!.SequenceNumber!, clickPk: pk as string, click: click as ClickEvent };
    });
    const checkpoints = await repo.readCheckpoints([...new Set(parsed.map((p) => p.clickPk))]);
    const fresh = parsed.filter((p) => {
      const c = checkpoints.get(p.clickPk);
      return c === undefined || BigInt(p.seq) > BigInt(c);
    });
    const humans = fresh.filter((p) => !p.click.bot);
    const visitors = await repo.readVisitors([...new Set(humans.map((p) => p.click.visitorId))]);
    const orders = await stageOrders([...new Set(humans.map((p) => p.click.journey))]);
    const orderOf = (j: string) => orders.get(j) ?? null;
    const working = new Map<string, VisitorState>();
    const pending = new Map<string, Record<string, CounterUpdate[]>>();
    const updates: CounterUpdate[] = [];
    for (const p of fresh) {
      updates.push(...clickCounterUpdates(p.click));
      if (p.click.bot) continue;
      const vid = p.click.visitorId;
      const before = working.get(vid) ?? visitors.get(vid)!.state;
      const after = structuredClone(before);
      applyClick(after, {
        at: Date.parse(p.click.at),
        linkId: p.click.linkId,
        journey: p.click.journey,
        stage: p.click.stage,
        touchpoint: p.click.touchpoint,
      });
      const delta = contributionDelta(contributions(before, orderOf), contributions(after, orderOf));
      updates.push(...delta);
      working.set(vid, after);
      const own = pending.get(vid) ?? {};
      own[`${p.clickPk}|${p.seq}`] = delta;
      pending.set(vid, own);
    }
    // Phase 1: visitor items with their pending deltas, conditional puts, 100 per request.
    const writes = [...working].map(([vid, state]) => {
      const put = repo.visitorWrite(vid, state, visitors.get(vid)!.version).Put!;
      return { Put: { ...put, Item: { ...put.Item, pending: pending.get(vid) } } };
    });
    let transactions = 0;
    for (let i = 0; i < writes.length; i += 100) {
      await repo.commit(writes.slice(i, i + 100), `v${Date.now()}${Math.random()}`.slice(0, 36));
      transactions++;
    }
    // Phase 2: every counter merged over the batch + the checkpoints, in one transaction (cut if > 100).
    const counters = [...mergeUpdates(updates).values()].map(repo.counterWrite);
    const lastSeq = new Map<string, string>();
    for (const p of fresh) lastSeq.set(p.clickPk, p.seq);
    const ckpts = [...lastSeq].map(([pk, seq]) =>
      repo.checkpointWrite(pk, seq, checkpoints.get(pk), Date.now()),
    );
    const all = [...counters, ...ckpts];
    for (let i = 0; i < all.length; i += 100) {
      await repo.commit(all.slice(i, i + 100), `m${Date.now()}${Math.random()}`.slice(0, 36));
      transactions++;
    }
    return {
      batchItemFailures: [],
      stats: {
        applied: fresh.length,
        transactions,
        counterWrites: counters.length,
        visitorWrites: writes.length,
        checkpointWrites: ckpts.length,
      },
    };
  };

  const counter = new SdkCounter().install(dynamoClient);
  const ctx = { url: runtime.url, host: '', apiKey: runtime.apiKey, tableName: 'touchpoint', counter };
  const clicks = 2000;
  await runOnce(ctx, 900, 1000, 100);
  await runOnce(ctx, 901, 1000, 100, aggregateMerged);
  const results = new Map<string, Awaited<ReturnType<typeof runOnce>>[]>();
  let seed = 3000;
  for (let round = 0; round < 3; round++) {
    for (const batchSize of [100, 500]) {
      for (const [name, fn, consumers] of [
        ['today', undefined, 1],
        ['merged (prototype)', aggregateMerged, 1],
        ['today, parallelizationFactor 4', undefined, 4],
      ] as const) {
        const run = await runOnce(ctx, seed++, clicks, batchSize, fn, consumers);
        const id = `${name}|${batchSize}`;
        results.set(id, [...(results.get(id) ?? []), run]);
        console.error(`${id}: ${run.clicksPerSecond.toFixed(0)} clicks/s`);
      }
    }
  }
  console.log(
    '| aggregator | batch | clicks/s | counter writes/click | visitor writes/click | checkpoint writes/click | transactions/batch | requests/batch |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [id, runs] of results) {
    const [name, batch] = id.split('|');
    const per = (f: (r: (typeof runs)[number]) => number) =>
      median(runs.map((r) => f(r) / r.clicks)).toFixed(3);
    console.log(
      `| ${name} | ${batch} | ${median(runs.map((r) => r.clicksPerSecond)).toFixed(0)} | ${per((r) => r.counterWrites)} | ` +
        `${per((r) => r.visitorWrites)} | ${per((r) => r.checkpointWrites)} | ` +
        `${median(runs.map((r) => r.transactions / r.batches)).toFixed(2)} | ${median(runs.map((r) => r.requests / r.batches)).toFixed(1)} |`,
    );
  }
} finally {
  await runtime.stop();
}
