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
import { Session } from 'node:inspector/promises';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { machineTimes } from '../lib';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.TOUCHPOINT_LOG_SILENT = '1';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

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

function category(url: string): string {
  if (!url) return '(native / GC / idle)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const f = /\/(functions\/.+?)(\?|$)/.exec(url);
  if (f) return f[1]!;
  if (url.startsWith('node:')) return url;
  return url.split('/').slice(-2).join('/');
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
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    await measure('redirect under autocannon', () => bench.redirectRound());
    const { profile } = (await session.post('Profiler.stop')) as unknown as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    };
    session.disconnect();
    await measure('PutItem loops', () => bench.putRound());

    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    profile.samples.forEach((id, i) => {
      self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const byCategory = new Map<string, number>();
    const byFunction = new Map<string, number>();
    for (const [id, t] of self) {
      const n = byId.get(id)!;
      const name = n.callFrame.functionName || '(anonymous)';
      const isIdle = name === '(idle)' || name === '(program)' || name === '(garbage collector)';
      const cat = isIdle ? name : category(n.callFrame.url);
      byCategory.set(cat, (byCategory.get(cat) ?? 0) + t);
      const fn = `${name} ${category(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
    }
    const show = (m: Map<string, number>, n: number) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k, t]) => `  ${((t / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
        .join('\n');
    console.log(
      `\nCPU profile of the server process during the redirect run, self time by package / file:\n${show(byCategory, 22)}`,
    );
    console.log(`\nTop functions:\n${show(byFunction, 25)}`);
  } finally {
    bench.stop();
  }
} finally {
  await runtime.stop();
}
