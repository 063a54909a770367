import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/**
 * The load generator, in its own process (forked by bench/throughput.ts) so it does not share the event
 * loop of the server it measures. Receives a job over IPC, runs autocannon, answers with the numbers.
 */
export interface LoadJob {
  url: string;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
  /** When set, each connection cycles through these user agents, one per request. */
  userAgents?: string[];
}

export interface LoadResult {
  requests: number;
  durationSeconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  status3xx: number;
  other: number;
  errors: number;
  timeouts: number;
  /** CPU this load generator used during the run, as a share of one core. */
  generatorCpu: number;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSeconds,
    headers: job.headers,
    method: 'GET',
    requests: job.userAgents?.map((ua) => ({ headers: { ...job.headers, 'user-agent': ua } })),
  });
  const cpu = process.cpuUsage(cpu0);
  const generatorCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - t0);
  const r = result as unknown as Record<string, number>;
  const total = result.requests.total;
  return {
    requests: total,
    durationSeconds: result.duration,
    perSecond: total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    status3xx: r['3xx'] ?? 0,
    other: (r['1xx'] ?? 0) + (r['2xx'] ?? 0) + (r['4xx'] ?? 0) + (r['5xx'] ?? 0),
    errors: result.errors,
    timeouts: result.timeouts,
    generatorCpu,
  };
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ ok: true, result }),
    (err: unknown) => process.send?.({ ok: false, error: String(err) }),
  );
});
process.send?.({ ready: true });
