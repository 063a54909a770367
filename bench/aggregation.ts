import { performance } from 'node:perf_hooks';
import type { DynamoDBRecord } from 'aws-lambda';
import type { BenchContext } from './context';
import { median, progress } from './lib';
import { type BenchLink, generateClicks, linkSpecs, streamRecords } from './workload';

/**
 * Figure 6: the stream consumer. Synthetic raw-click INSERT records in Lambda's format (marshalled
 * NEW_IMAGE of the very item the redirect writes, random click partition, increasing sequence numbers)
 * go through the real `aggregateRecords` against DynamoDB Local, one batch at a time, as one shard with
 * parallelization factor 1 is delivered. Workload: 50 links with Zipf popularity over 15 touchpoints and
 * 5 stages, visitors who click 1-4 links a few minutes apart, 3% bots, a stream of 40 minutes.
 */

export interface AggregationRun {
  batchSize: number;
  clicks: number;
  seconds: number;
  clicksPerSecond: number;
  batches: number;
  retries: number;
  transactions: number;
  counterWrites: number;
  visitorWrites: number;
  checkpointWrites: number;
  requests: number;
  requestKinds: string;
}

export interface AggregationResult {
  rounds: AggregationRun[];
  batchSize: number;
  clicksPerSecond: number;
  counterWritesPerClick: number;
  visitorWritesPerClick: number;
  checkpointWritesPerClick: number;
  transactionsPerBatch: number;
  requestsPerBatch: number;
  /** Same workload at the deployed stack's batch size (lib/touchpoint-stack.ts). */
  deployedBatch: AggregationRun | undefined;
}

const LINKS: BenchLink[] = linkSpecs(50).map((spec, i) => ({
  id: `aggbench${String(i).padStart(4, '0')}`,
  domain: 'localhost',
  slug: `agg${i}`,
  journey: 'default',
  ...spec,
}));

async function runOnce(
  ctx: BenchContext,
  seed: number,
  clicks: number,
  batchSize: number,
): Promise<AggregationRun> {
  const { aggregateRecords } = await import('../functions/analytics/aggregate');
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
  const records: DynamoDBRecord[] = streamRecords(
    generateClicks({
      seed,
      links: LINKS,
      clicks,
      startMs: hour + 5 * 60_000,
      spanMs: 40 * 60_000,
      gapMeanMs: 5 * 60_000,
    }),
    seed,
  );
  const run: AggregationRun = {
    batchSize,
    clicks: 0,
    seconds: 0,
    clicksPerSecond: 0,
    batches: 0,
    retries: 0,
    transactions: 0,
    counterWrites: 0,
    visitorWrites: 0,
    checkpointWrites: 0,
    requests: 0,
    requestKinds: '',
  };
  ctx.counter.reset();
  ctx.counter.enabled = true;
  const start = performance.now();
  for (let i = 0; i < records.length; i += batchSize) {
    let batch = records.slice(i, i + batchSize);
    run.batches++;
    for (let attempt = 0; batch.length > 0; attempt++) {
      const { batchItemFailures, stats } = await aggregateRecords(batch);
      run.clicks += stats.applied;
      run.transactions += stats.transactions;
      run.counterWrites += stats.counterWrites;
      run.visitorWrites += stats.visitorWrites;
      run.checkpointWrites += stats.checkpointWrites;
      const failed = batchItemFailures[0]?.itemIdentifier;
      if (!failed) break;
      if (attempt > 5) throw new Error(`batch keeps failing at ${failed}`);
      // As Lambda does: retry from the first failed record on.
      run.retries++;
      batch = batch.slice(batch.findIndex((r) => r.dynamodb?.SequenceNumber === failed));
    }
  }
  run.seconds = (performance.now() - start) / 1000;
  ctx.counter.enabled = false;
  run.requests = ctx.counter.attempts;
  run.requestKinds = ctx.counter.summary();
  run.clicksPerSecond = run.clicks / run.seconds;
  if (run.clicks !== records.length) throw new Error(`applied ${run.clicks} of ${records.length} clicks`);
  return run;
}

export async function benchAggregation(
  ctx: BenchContext,
  options: { rounds: number; clicksPerRound: number; warmupClicks: number; batchSize: number; deployedBatchSize?: number },
): Promise<AggregationResult> {
  progress(`  warm-up: ${options.warmupClicks} clicks`);
  await runOnce(ctx, 999, options.warmupClicks, options.batchSize);
  const rounds: AggregationRun[] = [];
  for (let r = 0; r < options.rounds; r++) {
    const run = await runOnce(ctx, 1000 + r, options.clicksPerRound, options.batchSize);
    rounds.push(run);
    progress(
      `  round ${r + 1}/${options.rounds}: ${run.clicks} clicks in ${run.seconds.toFixed(1)} s = ` +
        `${run.clicksPerSecond.toFixed(0)} clicks/s; per click: counters ${(run.counterWrites / run.clicks).toFixed(3)}, ` +
        `visitors ${(run.visitorWrites / run.clicks).toFixed(3)}, checkpoints ${(run.checkpointWrites / run.clicks).toFixed(3)}; ` +
        `${(run.transactions / run.batches).toFixed(2)} transactions/batch, ${run.retries} retries`,
    );
  }
  let deployedBatch: AggregationRun | undefined;
  if (options.deployedBatchSize) {
    deployedBatch = await runOnce(ctx, 2000, options.clicksPerRound, options.deployedBatchSize);
    progress(
      `  batch size ${options.deployedBatchSize}: ${deployedBatch.clicksPerSecond.toFixed(0)} clicks/s, ` +
        `counters ${(deployedBatch.counterWrites / deployedBatch.clicks).toFixed(3)}/click`,
    );
  }
  const perClick = (f: (r: AggregationRun) => number) => median(rounds.map((r) => f(r) / r.clicks));
  return {
    rounds,
    batchSize: options.batchSize,
    clicksPerSecond: median(rounds.map((r) => r.clicksPerSecond)),
    counterWritesPerClick: perClick((r) => r.counterWrites),
    visitorWritesPerClick: perClick((r) => r.visitorWrites),
    checkpointWritesPerClick: perClick((r) => r.checkpointWrites),
    transactionsPerBatch: median(rounds.map((r) => r.transactions / r.batches)),
    requestsPerBatch: median(rounds.map((r) => r.requests / r.batches)),
    deployedBatch,
  };
}
