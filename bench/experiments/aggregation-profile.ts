import { progress } from '../lib';
import { profileWhile } from './cpu-profile';
import { consumerBench, withBenchRuntime } from './setup';

/**
 * Figure 6's consumer under the V8 profiler (not part of `npm run bench`):
 * `npx tsx bench/experiments/aggregation-profile.ts`. A warm-up, then `ROUNDS` rounds of `CLICKS`
 * clicks at batch size 100 through the real `aggregateRecords`, profiled: where the Node side of a batch
 * goes while DynamoDB Local works on the transactions.
 */
await withBenchRuntime(async (ctx) => {
  const rounds = Number(process.env.ROUNDS ?? 2);
  const agg = await consumerBench(ctx);
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
