/**
 * Time-to-302 vs click-write latency (issue 16): the local server (the same handlers and core as the
 * Lambda functions) in front of DynamoDB Local behind a TCP proxy (test/support/dynamo-proxy.ts) that adds
 * 0 or 80 ms to every DynamoDB request. The redirect answers before its click write, so the median
 * time-to-302 should grow by far less than the 80 ms (target: < 20 ms), and every click is still stored.
 *
 * Requests are paced (open loop, a fixed rate) rather than sent as fast as possible: the figure is the
 * customer's wait at a steady load, and the two sides run in alternating rounds so drift of the shared
 * machine does not favour one. Time-to-302 is measured to the response head on a keep-alive connection.
 *
 * Run on its own: `npx tsx bench/time-to-302.ts` (prints a table and the JSON). `benchTimeTo302()` runs
 * the same measurement in a child process: the shared DynamoDB client of a process is created with the
 * endpoint it first sees, and this one must be the proxy's.
 */
import { execFile } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface TimeTo302Options {
  /** Added DynamoDB latency of the slow side, ms. */
  writeLatencyMs: number;
  /** Redirects per side and round. */
  requestsPerRound: number;
  rounds: number;
  /** Redirects sent per second (open loop). */
  ratePerSecond: number;
}

export interface TimeTo302Side {
  writeLatencyMs: number;
  requests: number;
  medianMs: number;
  p99Ms: number;
}

export interface TimeTo302Result {
  options: TimeTo302Options;
  /** The local server as shipped: 302 first, then the click write. */
  sides: [TimeTo302Side, TimeTo302Side];
  /**
   * Reference: the same requests through the HTTP API handler (the fallback, which waits for the write
   * before answering) behind the same local adapter — what every redirect cost before (issue 16).
   */
  awaitingWrite: [TimeTo302Side, TimeTo302Side];
  /** Median time-to-302 with the slow DynamoDB minus without (target < 20 ms). */
  medianGrowthMs: number;
  redirects: number;
  clicksStored: number;
  /** Clicks logged for replay (write over CLICK_WRITE_TIMEOUT_MS) in the measured rounds (expected 0). */
  clicksLogged: number;
  /** The same in the warm-up (a cold DynamoDB Local may take longer than the deadline at first). */
  clicksLoggedInWarmup: number;
  pass: boolean;
}

export const DEFAULT_OPTIONS: TimeTo302Options = {
  writeLatencyMs: 80,
  requestsPerRound: 200,
  rounds: 5,
  ratePerSecond: 200,
};

const TARGET_GROWTH_MS = 20;

/** The result as a row of `npm run bench`'s table (the fields of bench/lib.ts's Row). */
export function timeTo302Row(result: TimeTo302Result) {
  const [fast, slow] = result.sides;
  const [awaitFast, awaitSlow] = result.awaitingWrite;
  return {
    figure: `7. time-to-302 median, DynamoDB +0 vs +${slow.writeLatencyMs} ms`,
    measured: `${fast.medianMs.toFixed(2)} → ${slow.medianMs.toFixed(2)} ms (p99 ${fast.p99Ms.toFixed(1)} → ${slow.p99Ms.toFixed(1)})`,
    reference: `awaiting the write ${awaitFast.medianMs.toFixed(2)} → ${awaitSlow.medianMs.toFixed(2)} ms`,
    ratio: `+${result.medianGrowthMs.toFixed(2)} ms`,
    target: `< +${TARGET_GROWTH_MS} ms, ${result.clicksStored}/${result.redirects} clicks stored`,
    pass: result.pass,
  };
}

/** Runs the measurement in a fresh child process (for bench/run.ts) and returns its result. */
export async function benchTimeTo302(options: Partial<TimeTo302Options> = {}): Promise<TimeTo302Result> {
  const self = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)('npx', ['tsx', self, '--json', JSON.stringify(options)], {
    cwd: resolve(self, '../..'),
    env: { ...process.env, TOUCHPOINT_LOG_SILENT: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as TimeTo302Result;
}

/** The measurement itself, in this process: it must not have created a DynamoDB client yet. */
export async function measureTimeTo302(overrides: Partial<TimeTo302Options> = {}): Promise<TimeTo302Result> {
  const options = { ...DEFAULT_OPTIONS, ...overrides };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { startDynamoLocal, freePort } = await import('#local/dynamodb-local');
  const { DynamoProxy } = await import('../test/support/dynamo-proxy');
  const dynamo = await startDynamoLocal();
  const proxy = await DynamoProxy.start(dynamo.endpoint);
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
  const { startLocalRuntime } = await import('#local/runtime');
  const runtime = await startLocalRuntime({
    port: await freePort(),
    dynamodbEndpoint: proxy.endpoint,
    aggregate: false,
  });
  const logged = countReplayLines();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const reference = await awaitingWriteServer();
  try {
    const link = await createLink(runtime.url, runtime.apiKey);
    const servers = { first: `${runtime.url}/${link.slug}`, awaiting: `${reference.url}/${link.slug}` };
    let redirects = 0;
    const timed = async (server: keyof typeof servers, latency: number, count: number) => {
      proxy.delay(latency);
      const url = new URL(servers[server]);
      const times = await paced(count, options.ratePerSecond, () => timeTo302(url, agent));
      redirects += times.length;
      await runtime.clickWrites.settled();
      return times;
    };
    // Warm-up: JIT, connections, DynamoDB Local.
    for (const server of ['first', 'awaiting'] as const) await timed(server, 0, options.requestsPerRound);
    const loggedInWarmup = logged.count();
    logged.reset();
    const variants = (['first', 'awaiting'] as const).flatMap((server) =>
      [0, options.writeLatencyMs].map((latency) => ({ server, latency, times: [] as number[] })),
    );
    for (let round = 0; round < options.rounds; round++) {
      // Rotating order, so drift of the shared machine does not favour one variant.
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(i + round) % variants.length]!;
        v.times.push(...(await timed(v.server, v.latency, options.requestsPerRound)));
      }
    }
    proxy.delay(0);
    const clicksStored = await countClicks(link.id);
    const side = (server: keyof typeof servers, latency: number): TimeTo302Side => {
      const { times } = variants.find((v) => v.server === server && v.latency === latency)!;
      return {
        writeLatencyMs: latency,
        requests: times.length,
        medianMs: quantile(times, 0.5),
        p99Ms: quantile(times, 0.99),
      };
    };
    const sides: [TimeTo302Side, TimeTo302Side] = [side('first', 0), side('first', options.writeLatencyMs)];
    const medianGrowthMs = sides[1].medianMs - sides[0].medianMs;
    return {
      options,
      sides,
      awaitingWrite: [side('awaiting', 0), side('awaiting', options.writeLatencyMs)],
      medianGrowthMs,
      redirects,
      clicksStored,
      clicksLogged: logged.count(),
      clicksLoggedInWarmup: loggedInWarmup,
      pass: medianGrowthMs < TARGET_GROWTH_MS && clicksStored === redirects,
    };
  } finally {
    agent.destroy();
    reference.close();
    logged.stop();
    await runtime.stop();
    await proxy.close();
    await dynamo.stop();
  }
}

/** Starts `count` calls of `fn` at `rate` per second, whatever the previous ones are doing. */
async function paced(count: number, rate: number, fn: () => Promise<number>): Promise<number[]> {
  const started = performance.now();
  const runs: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    runs.push(fn());
  }
  return Promise.all(runs);
}

const USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

/** Milliseconds from sending a redirect to receiving its response head (which must be a 302). */
function timeTo302(url: URL, agent: Agent): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const req = request(url, { agent, headers: { 'user-agent': USER_AGENT } }, (res) => {
      const ms = performance.now() - started;
      res.resume();
      if (res.statusCode === 302) done(ms);
      else fail(new Error(`expected a 302, got ${res.statusCode}`));
    });
    req.on('error', fail);
    req.end();
  });
}

async function createLink(base: string, apiKey: string): Promise<{ id: string; slug: string }> {
  const res = await fetch(`${base}/api/links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: 'https://example.com/spring',
      touchpoint: 'time-to-302',
      stage: 'awareness',
    }),
  });
  if (res.status !== 201) throw new Error(`creating the link: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; slug: string };
}

/** The HTTP API redirect handler (which awaits the click write) behind the same local adapter. */
async function awaitingWriteServer(): Promise<{ url: string; close: () => void }> {
  const { requestListener } = await import('#local/server');
  const api = (await import('#handlers/api')).handler;
  const redirect = (await import('#handlers/redirect')).handler;
  const server = createServer(requestListener({ api, redirect }));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://localhost:${port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The stored raw clicks of the link (a test-style scan: this is a benchmark, not the app). */
async function countClicks(linkId: string): Promise<number> {
  const { storedClicks } = await import('../test/support/inspect');
  return (await storedClicks(linkId)).length;
}

/** Counts `click_write_failed` lines written to stderr while the measurement runs. */
function countReplayLines(): { count: () => number; reset: () => void; stop: () => void } {
  const write = process.stderr.write.bind(process.stderr);
  let count = 0;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    count += text.split('"click_write_failed"').length - 1;
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return {
    count: () => count,
    reset: () => {
      count = 0;
    },
    stop: () => {
      process.stderr.write = write;
    },
  };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const jsonOnly = process.argv[2] === '--json';
  const overrides =
    jsonOnly && process.argv[3] ? (JSON.parse(process.argv[3]) as Partial<TimeTo302Options>) : {};
  process.env.TOUCHPOINT_LOG_SILENT = '1';
  const result = await measureTimeTo302(overrides);
  if (!jsonOnly) {
    const show = (what: string, s: TimeTo302Side) =>
      console.log(
        `${what}, DynamoDB +${s.writeLatencyMs} ms: time-to-302 median ${s.medianMs.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms (${s.requests} redirects)`,
      );
    for (const s of result.sides) show('302 first (local server)', s);
    for (const s of result.awaitingWrite) show('reference, awaiting the write', s);
    console.log(
      `median growth ${result.medianGrowthMs.toFixed(2)} ms (target < ${TARGET_GROWTH_MS} ms); clicks stored ${result.clicksStored} of ${result.redirects} redirects; logged for replay ${result.clicksLogged} (${result.clicksLoggedInWarmup} in the warm-up): ${result.pass ? 'pass' : 'FAIL'}`,
    );
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}
