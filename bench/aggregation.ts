import { performance } from 'node:perf_hooks';
import type { DynamoDBRecord } from 'aws-lambda';
import { clickCounterUpdates, itemId } from '../functions/analytics/counters';
import type { ClickEvent } from '../functions/clicks/model';
import { keys } from '../functions/shared/keys';
import type { BenchContext } from './context';
import { median, progress } from './lib';
import { type BenchLink, generateClicks, linkSpecs, storeClicks, streamRecords } from './workload';

/**
 * Figure 6: the stream consumer. Synthetic raw-click INSERT records in Lambda's format (marshalled
 * NEW_IMAGE of the very item the redirect writes, random click partition, increasing sequence numbers)
 * go through the real `aggregateRecords` against DynamoDB Local, one batch at a time, as one shard with
 * parallelization factor 1 is delivered. Workload: 50 links with Zipf popularity over 15 touchpoints and
 * 5 stages, visitors who click 1-4 links a few minutes apart, 3% bots, a stream of 40 minutes. Every
 * batch is full (a busy stream), so counter deltas are applied when a slot holds enough clicks, and
 * whatever is still pending at the end of the round is applied too (as the scheduled invocation would)
 * and counted: every write the counters cost is in the figures.
 */

export interface AggregationRun {
  batchSize: number;
  clicks: number;
  seconds: number;
  clicksPerSecond: number;
  batches: number;
  retries: number;
  transactions: number;
  /** Counter item updates (applying deltas). */
  counterWrites: number;
  /** Pending delta items written, and job item writes (put, advance, delete). */
  deltaWrites: number;
  jobWrites: number;
  visitorWrites: number;
  checkpointWrites: number;
  requests: number;
  requestKinds: string;
  /** Distinct counter items / checkpoint keys per batch: the writes if each were written once per batch. */
  distinctCounterKeys: number;
  distinctCheckpointKeys: number;
  /** Wall time with requests of each command in flight (SDK send), and with any request in flight. */
  msByCommand: Record<string, number>;
  msAnyRequest?: number;
}

export interface AggregationResult {
  rounds: AggregationRun[];
  batchSize: number;
  clicksPerSecond: number;
  counterWritesPerClick: number;
  /** Counter updates + delta items + job items per click: everything the counters cost. */
  counterPathWritesPerClick: number;
  visitorWritesPerClick: number;
  checkpointWritesPerClick: number;
  transactionsPerBatch: number;
  requestsPerBatch: number;
  /** If every counter / checkpoint item were written once per batch (docs/design.md §2). */
  counterKeysPerClick: number;
  checkpointKeysPerClick: number;
  /** Share of the aggregation wall time spent waiting on DynamoDB, per command. */
  timeShares: Record<string, number>;
  /** Same workload at the deployed stack's batch size (lib/touchpoint-stack.ts). */
  deployedBatch: AggregationRun | undefined;
  /** Counter / checkpoint keys per click if written once per batch, at several batch sizes (in memory). */
  floors: Array<{
    batchSize: number;
    counterKeysPerClick: number;
    checkpointKeysPerClick: number;
    /** Checkpoint items per click (one per raw-click hour). */
    checkpointHoursPerClick: number;
  }>;
}

const LINKS: BenchLink[] = linkSpecs(50).map((spec, i) => ({
  id: `aggbench${String(i).padStart(4, '0')}`,
  domain: 'localhost',
  slug: `agg${i}`,
  journey: 'default',
  ...spec,
}));

function workload(seed: number, clicks: number) {
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
  const clickEvents = generateClicks({
    seed,
    links: LINKS,
    clicks,
    startMs: hour + 5 * 60_000,
    spanMs: 40 * 60_000,
    gapMeanMs: 5 * 60_000,
  });
  return { clickEvents, records: streamRecords(clickEvents, seed) };
}

/**
 * Distinct counter items and checkpoint keys per group of `size` clicks: what one merge of that many
 * clicks writes if each counter item is written once ("one counter update per distinct counter key").
 */
function distinctKeys(clickEvents: ClickEvent[], records: DynamoDBRecord[], size: number) {
  let counters = 0;
  let checkpoints = 0;
  let checkpointHours = 0;
  for (let i = 0; i < clickEvents.length; i += size) {
    const c1 = new Set<string>();
    const c2 = new Set<string>();
    for (let j = i; j < Math.min(i + size, clickEvents.length); j++) {
      const c = clickEvents[j]!;
      // The click's own counter items (whatever the current layout is: taken from the code)...
      for (const u of clickCounterUpdates(c)) c1.add(itemId(u.key));
      // ...and its stage's day, which a human's first click at a stage moves (in this live workload every
      // contribution falls on the click's own day and hour, i.e. on these items).
      if (!c.bot) c1.add(itemId(keys.stageDay(c.journey, c.at.slice(0, 10), c.stage)));
      c2.add((records[j]!.dynamodb!.Keys!.pk as { S: string }).S);
    }
    counters += c1.size;
    checkpoints += c2.size;
    checkpointHours += new Set([...c2].map((pk) => keys.checkpoint(pk).key.pk)).size;
  }
  return { counters, checkpoints, checkpointHours };
}

type AggregateStats = Awaited<
  ReturnType<typeof import('../functions/analytics/aggregate')['aggregateRecords']>
>['stats'];
export type AggregateFn = (
  records: DynamoDBRecord[],
  options: { batchSize: number },
) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }>; stats: AggregateStats }>;

/** One measured pass of `aggregate` (the real `aggregateRecords` unless an experiment passes another). */
export async function runOnce(
  ctx: BenchContext,
  seed: number,
  clicks: number,
  batchSize: number,
  aggregate?: AggregateFn,
  /** Concurrent consumers (Lambda's parallelizationFactor): records split by raw-click key, order kept per key. */
  consumers = 1,
): Promise<AggregationRun> {
  const aggregateRecords = aggregate ?? (await import('../functions/analytics/aggregate')).aggregateRecords;
  const { ALL_DELTA_SLOTS, applyDeltas } = await import('../functions/analytics/apply-deltas');
  await applyDeltas(ALL_DELTA_SLOTS); // nothing left from an earlier round
  const { clickEvents, records } = workload(seed, clicks);
  await storeClicks(ctx, records); // as the redirect did; not timed
  const floor = distinctKeys(clickEvents, records, batchSize);
  const run: AggregationRun = {
    batchSize,
    clicks: 0,
    seconds: 0,
    clicksPerSecond: 0,
    batches: 0,
    retries: 0,
    transactions: 0,
    counterWrites: 0,
    deltaWrites: 0,
    jobWrites: 0,
    visitorWrites: 0,
    checkpointWrites: 0,
    requests: 0,
    requestKinds: '',
    distinctCounterKeys: floor.counters,
    distinctCheckpointKeys: floor.checkpoints,
    msByCommand: {},
  };
  ctx.counter.reset();
  ctx.counter.enabled = true;
  const start = performance.now();
  const streams: DynamoDBRecord[][] = Array.from({ length: consumers }, () => []);
  for (const r of records) {
    const pk = (r.dynamodb!.Keys!.pk as { S: string }).S;
    let h = 0;
    for (let i = 0; i < pk.length; i++) h = (h * 31 + pk.charCodeAt(i)) >>> 0;
    streams[h % consumers]!.push(r);
  }
  const consume = async (stream: DynamoDBRecord[]) => {
    for (let i = 0; i < stream.length; i += batchSize) {
      let batch = stream.slice(i, i + batchSize);
      run.batches++;
      for (let attempt = 0; batch.length > 0; attempt++) {
        // Told the configured batch size, so a full batch means a busy stream (even the round's last).
        const { batchItemFailures, stats } = await aggregateRecords(batch, { batchSize });
        run.clicks += stats.applied;
        run.transactions += stats.segments + stats.transactions;
        run.counterWrites += stats.counterWrites;
        run.deltaWrites += stats.deltaWrites;
        run.jobWrites += stats.jobWrites;
        run.visitorWrites += stats.visitorWrites;
        run.checkpointWrites += stats.checkpointWrites;
        const failed = batchItemFailures[0]?.itemIdentifier;
        if (!failed) break;
        if (attempt > 20) throw new Error(`batch keeps failing at ${failed}`);
        // As Lambda does: retry from the first failed record on (after a short back-off).
        run.retries++;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
        batch = batch.slice(batch.findIndex((r) => r.dynamodb?.SequenceNumber === failed));
      }
    }
  };
  try {
    await Promise.all(streams.map(consume));
    // What is still pending when the round ends is applied and counted, as the scheduled run would.
    const rest = await applyDeltas(ALL_DELTA_SLOTS);
    run.transactions += rest.transactions;
    run.counterWrites += rest.counterWrites;
    run.jobWrites += rest.jobWrites;
  } finally {
    ctx.counter.enabled = false;
  }
  run.seconds = (performance.now() - start) / 1000;
  run.requests = ctx.counter.attempts;
  run.requestKinds = ctx.counter.summary();
  run.msByCommand = Object.fromEntries(ctx.counter.msByCommand);
  run.msAnyRequest = ctx.counter.anyBusyMs;
  run.clicksPerSecond = run.clicks / run.seconds;
  if (run.clicks !== records.length) throw new Error(`applied ${run.clicks} of ${records.length} clicks`);
  return run;
}

/** Share of the wall time with requests of each kind in flight (kinds can overlap), and with none. */
function shares(rounds: AggregationRun[]): Record<string, number> {
  const total = rounds.reduce((s, r) => s + r.seconds * 1000, 0);
  const sums: Record<string, number> = {};
  for (const r of rounds) for (const [k, ms] of Object.entries(r.msByCommand)) sums[k] = (sums[k] ?? 0) + ms;
  const out: Record<string, number> = {};
  for (const [k, ms] of Object.entries(sums)) out[k] = ms / total;
  const anyBusy = rounds.reduce((s, r) => s + (r.msAnyRequest ?? 0), 0);
  out['no request in flight (handler CPU)'] = 1 - anyBusy / total;
  return out;
}

export interface AggregationOptions {
  clicksPerRound: number;
  warmupClicks: number;
  batchSize: number;
  deployedBatchSize?: number;
}

/** Figure 6 as steps, so the caller can interleave its rounds with figure 2's. */
export function createAggregationBench(ctx: BenchContext, options: AggregationOptions) {
  const rounds: AggregationRun[] = [];
  let deployedBatch: AggregationRun | undefined;
  return {
    async warmup(): Promise<void> {
      progress(`  warm-up: aggregation of ${options.warmupClicks} clicks`);
      await runOnce(ctx, 999, options.warmupClicks, options.batchSize);
    },
    async round(): Promise<AggregationRun> {
      const run = await runOnce(ctx, 1000 + rounds.length, options.clicksPerRound, options.batchSize);
      rounds.push(run);
      progress(
        `  aggregation: ${run.clicks} clicks in ${run.seconds.toFixed(1)} s = ${run.clicksPerSecond.toFixed(0)} clicks/s; ` +
          `per click: counters ${(run.counterWrites / run.clicks).toFixed(3)} + deltas/jobs ` +
          `${((run.deltaWrites + run.jobWrites) / run.clicks).toFixed(3)}, visitors ` +
          `${(run.visitorWrites / run.clicks).toFixed(3)}, checkpoints ${(run.checkpointWrites / run.clicks).toFixed(3)}; ` +
          `${(run.transactions / run.batches).toFixed(2)} transactions/batch, ${run.retries} retries`,
      );
      return run;
    },
    async deployedRound(): Promise<void> {
      if (!options.deployedBatchSize) return;
      deployedBatch = await runOnce(ctx, 2000, options.clicksPerRound, options.deployedBatchSize);
      progress(
        `  aggregation at batch size ${options.deployedBatchSize}: ${deployedBatch.clicksPerSecond.toFixed(0)} clicks/s, ` +
          `counter path ${((deployedBatch.counterWrites + deployedBatch.deltaWrites + deployedBatch.jobWrites) / deployedBatch.clicks).toFixed(3)}/click`,
      );
    },
    summary(): AggregationResult {
      const perClick = (f: (r: AggregationRun) => number) => median(rounds.map((r) => f(r) / r.clicks));
      const sample = workload(1000, options.clicksPerRound * 2);
      const floors = [50, 100, 200, 500, 1000].map((batchSize) => {
        const k = distinctKeys(sample.clickEvents, sample.records, batchSize);
        return {
          batchSize,
          counterKeysPerClick: k.counters / sample.clickEvents.length,
          checkpointKeysPerClick: k.checkpoints / sample.clickEvents.length,
          checkpointHoursPerClick: k.checkpointHours / sample.clickEvents.length,
        };
      });
      return {
        rounds,
        batchSize: options.batchSize,
        clicksPerSecond: median(rounds.map((r) => r.clicksPerSecond)),
        counterWritesPerClick: perClick((r) => r.counterWrites),
        counterPathWritesPerClick: perClick((r) => r.counterWrites + r.deltaWrites + r.jobWrites),
        visitorWritesPerClick: perClick((r) => r.visitorWrites),
        checkpointWritesPerClick: perClick((r) => r.checkpointWrites),
        transactionsPerBatch: median(rounds.map((r) => r.transactions / r.batches)),
        requestsPerBatch: median(rounds.map((r) => r.requests / r.batches)),
        counterKeysPerClick: perClick((r) => r.distinctCounterKeys),
        checkpointKeysPerClick: perClick((r) => r.distinctCheckpointKeys),
        timeShares: shares(rounds),
        deployedBatch,
        floors,
      };
    },
  };
}
