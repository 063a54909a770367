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

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.TOUCHPOINT_LOG_SILENT = '1';

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

const { freePort } = await import('../../functions/local/dynamodb-local');
const { startLocalRuntime } = await import('../../functions/local/runtime');
const runtime = await startLocalRuntime({ port: await freePort(), aggregate: false });
try {
  const { apiOk, benchContext } = await import('../context');
  const { createThroughputBench } = await import('../throughput');
  const ctx = await benchContext(runtime);
  const link = await apiOk<{ id: string; slug: string; domain: string }>(ctx, 'POST', '/api/links', {
    url: 'https://example.com/spring?lang=en',
    touchpoint: 'spring-poster-lobby',
    stage: 'awareness',
  });
  const bench = await createThroughputBench(
    ctx,
    { ...link, journey: 'default', stage: 'awareness', touchpoint: 'spring-poster-lobby' },
    { rounds: 1, durationSeconds: 10, warmupSeconds: 8, connections: 32 },
  );
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
} finally {
  await runtime.stop();
}
