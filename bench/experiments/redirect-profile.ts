/**
 * Profiling experiment for figure 2 (not part of `npm run bench`): where the CPU goes while the local
 * server takes the redirect load, compared with the raw PutItem reference.
 * Run: npx tsx bench/experiments/redirect-profile.ts
 *
 * Same setup as figure 2 (DynamoDB Local in memory, local server in this process, autocannon in a child
 * process, 32 connections). For one redirect run and one PutItem run of 10 s each it reports this
 * process's CPU use (user + system, as a share of one core), the whole machine's CPU use, and, for the
 * redirect run, a V8 CPU profile of this process summarised by self time per package / source file.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { machineTimes } from '../lib';
import { profileWhile } from './cpu-profile';
import { posterLink, withBenchRuntime } from './setup';

async function measure<T>(label: string, run: () => Promise<T>): Promise<T> {
  const cpu0 = process.cpuUsage();
  const m0 = machineTimes();
  const t0 = performance.now();
  const result = await run();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineTimes();
  console.log(
    `${label}: this process ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(0)} % of one core; ` +
      `machine ${(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100).toFixed(0)} % of ${cpus().length} cores busy`,
  );
  return result;
}

await withBenchRuntime(async (ctx) => {
  const { createThroughputBench } = await import('../throughput');
  const link = await posterLink(ctx);
  const bench = await createThroughputBench(ctx, link, {
    rounds: 1,
    durationSeconds: 10,
    warmupSeconds: 8,
    connections: 32,
  });
  try {
    await bench.warmup();
    await measure('PutItem loops', () => bench.putRound());
    const { summary } = await profileWhile(() =>
      measure('redirect under autocannon', () => bench.redirectRound()),
    );
    await measure('PutItem loops', () => bench.putRound());
    console.log(`\nCPU profile of the server process during the redirect run, ${summary}`);
  } finally {
    bench.stop();
  }
});
