import { median, progress } from '../lib';
import { consumerBench, posterLink, withBenchRuntime } from './setup';

/**
 * Figures 2 and 6 in one short run, against DynamoDB Local started with the JVM options in
 * `DYNAMODB_LOCAL_JAVA_OPTS`, which replaces the defaults (not part of `npm run bench`). To compare JVM
 * settings, run it alternately with each, several times, and compare the medians pair by pair, e.g.
 *   for i in 1 2 3; do for o in "-Xms64m -Xmx1g -XX:+UseG1GC" "-Xms64m -Xmx1g -XX:+UseParallelGC"; do
 *     DYNAMODB_LOCAL_JAVA_OPTS="$o" npx tsx bench/experiments/jvm-options.ts; done; done
 */

await withBenchRuntime(async (ctx) => {
  const { createThroughputBench } = await import('../throughput');
  const link = await posterLink(ctx);
  const rounds = Number(process.env.ROUNDS ?? 3);
  const throughput = await createThroughputBench(ctx, link, {
    rounds,
    durationSeconds: 6,
    warmupSeconds: 6,
    connections: 32,
  });
  const aggregation = await consumerBench(ctx);
  try {
    // Aggregation first, as in bench/run.ts: DynamoDB Local's JIT compiles its paths for a while after it.
    await aggregation.warmup();
    await throughput.warmup();
    const redirect: number[] = [];
    const put: number[] = [];
    const agg: number[] = [];
    for (let r = 0; r < rounds; r++) {
      redirect.push((await throughput.redirectRound()).perSecond);
      put.push((await throughput.putRound()).perSecond);
      agg.push((await aggregation.round()).clicksPerSecond);
    }
    progress(
      `JVM options [${process.env.DYNAMODB_LOCAL_JAVA_OPTS ?? ''}]: redirect ${median(redirect).toFixed(0)} req/s, ` +
        `PutItem ${median(put).toFixed(0)} req/s (redirect/PutItem ${median(redirect.map((x, i) => x / put[i]!)).toFixed(2)}), ` +
        `aggregation ${median(agg).toFixed(0)} clicks/s (aggregation/redirect ${median(agg.map((x, i) => x / redirect[i]!)).toFixed(2)})`,
    );
  } finally {
    throughput.stop();
  }
});
