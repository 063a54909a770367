import { progress } from '../lib';
import { consumerBench, withBenchRuntime } from './setup';

/**
 * Figure 6 alone (no redirect rounds to compare with): `npx tsx bench/experiments/aggregation-only.ts`.
 * For iterating on the aggregator; the suite (`npm run bench`) is what docs/benchmarks.md reports.
 */
await withBenchRuntime(async (ctx) => {
  const rounds = Number(process.env.ROUNDS ?? 3);
  const agg = await consumerBench(ctx);
  await agg.warmup();
  for (let r = 0; r < rounds; r++) await agg.round();
  await agg.deployedRound();
  const s = agg.summary();
  progress(
    `median: ${s.clicksPerSecond.toFixed(0)} clicks/s, counter writes ${s.counterWritesPerClick.toFixed(3)}, ` +
      `counter path ${s.counterPathWritesPerClick.toFixed(3)}, visitors ${s.visitorWritesPerClick.toFixed(3)}, ` +
      `checkpoints ${s.checkpointWritesPerClick.toFixed(3)}, ${s.transactionsPerBatch.toFixed(2)} transactions/batch; ` +
      `time: ${Object.entries(s.timeShares)
        .map(([k, v]) => `${k} ${(v * 100).toFixed(0)} %`)
        .join(', ')}`,
  );
});
