import { progress } from '../lib';
import { profileWhile } from './cpu-profile';
import { withBenchRuntime } from './setup';

/**
 * Figure 6's consumer under the V8 profiler (not part of `npm run bench`):
 * `npx tsx bench/experiments/aggregation-profile.ts`. A warm-up, then `ROUNDS` rounds of `CLICKS`
 * clicks at batch size 100 through the real `aggregateRecords`, profiled: where the Node side of a batch
 * goes while DynamoDB Local works on the transactions.
 */
await withBenchRuntime(async (ctx) => {
  const { createAggregationBench } = await import('../aggregation');
  const rounds = Number(process.env.ROUNDS ?? 2);
  const agg = createAggregationBench(ctx, {
    clicksPerRound: Number(process.env.CLICKS ?? 2000),
    warmupClicks: 1000,
    batchSize: 100,
    deployedBatchSize: 500,
  });
  await agg.warmup();
  const { summary } = await profileWhile(async () => {
    for (let r = 0; r < rounds; r++) await agg.round();
  });
  const s = agg.summary();
  progress(
    `median: ${s.clicksPerSecond.toFixed(0)} clicks/s, ${s.transactionsPerBatch.toFixed(2)} transactions/batch`,
  );
  console.log(`\nCPU profile of the consumer's process, ${summary}`);
});
