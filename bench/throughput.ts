import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { nanoid } from 'nanoid';
import type { ClickEvent } from '#clicks/model';
import { environmentClickPartition } from '#clicks/partition';
import { keys } from '#shared/keys';
import { type BenchContext, BROWSER_UA, LOAD_USER_AGENTS } from './context';
import { machineTimes, median, percentile, progress } from './lib';

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

import type { LoadJob, LoadResult } from './load-worker';

/**
 * Figure 2: the local server's redirect throughput and p99 (autocannon in its own process, 32
 * connections, loopback) against raw PutItem throughput of the same DynamoDB Local at the same
 * concurrency (32 async loops writing a click-sized item through the very client the handlers use).
 * Rounds alternate the order of the two, after a warm-up of each; the figures are medians of rounds.
 */

/** CPU use during a run: this (server) process as a share of one core, the machine's cores as a share. */
export interface CpuShare {
  serverCpu: number;
  machineBusy: number;
}

export interface ThroughputRound {
  redirect: LoadResult & CpuShare & { clickWrites: number; clickWriteFailures: number };
  putItem: CpuShare & {
    requests: number;
    durationSeconds: number;
    perSecond: number;
    p50Ms: number;
    p99Ms: number;
  };
  /** Diagnostic: the same load generator against a minimal HTTP server that only does the PutItem. */
  httpPut: LoadResult & CpuShare;
}

export interface ThroughputResult {
  rounds: ThroughputRound[];
  redirectPerSecond: number;
  redirectP99Ms: number;
  redirectP50Ms: number;
  putPerSecond: number;
  putP99Ms: number;
  putP50Ms: number;
  ratio: number;
  httpPutPerSecond: number;
  httpPutP99Ms: number;
  /** Redirect over the minimal HTTP + PutItem server: what the handler and the local adapter cost. */
  handlerRatio: number;
  connections: number;
  durationSeconds: number;
}

export interface LinkInfo {
  id: string;
  slug: string;
  domain: string;
  journey: string;
  stage: string;
  touchpoint: string;
}

/** The click the redirect would write for this link and a phone browser (same attributes, same size). */
export function referenceClickFor(link: LinkInfo): ClickEvent {
  // Load requests carry no cookie, so the redirect mints a visitor with each: so does the reference.
  const now = Date.now();
  const visitorId = keys.mintedVisitorId(now, environmentClickPartition(), nanoid(11));
  return {
    id: visitorId,
    at: new Date(now).toISOString(),
    linkId: link.id,
    domain: link.domain,
    slug: link.slug,
    journey: link.journey,
    stage: link.stage,
    touchpoint: link.touchpoint,
    source: 'click',
    visitorId,
    bot: false,
    device: 'mobile',
    os: 'Android',
    browser: 'Chrome',
    referrer: null,
    country: null,
    maxClicks: null,
    newVisitor: true,
  };
}

/** Runs `fn`, measuring this process's CPU and the machine's. */
async function withCpu<T extends object>(fn: () => Promise<T>): Promise<T & CpuShare> {
  const cpu0 = process.cpuUsage();
  const m0 = machineTimes();
  const t0 = performance.now();
  const result = await fn();
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineTimes();
  return {
    ...result,
    serverCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - t0),
    machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
  };
}

export class LoadWorker {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<LoadWorker> {
    const child = fork(fileURLToPath(new URL('./load-worker.ts', import.meta.url)), [], {
      // The worker is TypeScript too: load tsx's hooks into it, wherever the suite is started from.
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`load worker exited (${code})`)));
    });
    return new LoadWorker(child);
  }

  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (m: { ok: boolean; result?: LoadResult; error?: string }) =>
        m.ok ? resolve(m.result!) : reject(new Error(m.error)),
      );
      this.child.send(job);
    });
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

export interface ThroughputOptions {
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
}

/**
 * The two sides of figure 2 as separate steps, so the caller can interleave them round by
 * round: `warmup()`, then `redirectRound()` / `putRound()` in alternating order, then `summary()`.
 */
export async function createThroughputBench(ctx: BenchContext, link: LinkInfo, options: ThroughputOptions) {
  const { db } = await import('#shared/dynamo');
  const { clickItem, clickPartition } = await import('#clicks/repository');
  const { config } = await import('#shared/config');
  const table = config().tableName;
  const retention = config().clickRetentionDays;

  /** The item the redirect writes for the reference click (same partition rule). */
  const referenceItem = () => {
    const click = referenceClickFor(link);
    return clickItem(click, clickPartition(click), retention);
  };

  const putLoops = async (seconds: number) => {
    const latencies: number[] = [];
    const start = performance.now();
    const deadline = start + seconds * 1000;
    const loop = async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await db.send(
          new PutCommand({
            TableName: table,
            Item: referenceItem(),
          }),
        );
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: options.connections }, loop));
    const durationSeconds = (performance.now() - start) / 1000;
    return {
      requests: latencies.length,
      durationSeconds,
      perSecond: latencies.length / durationSeconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  };

  // The diagnostic side: a bare node:http server doing only the click PutItem, then a 302.
  const bare: Server = createServer((req, res) => {
    req.resume();
    db.send(new PutCommand({ TableName: table, Item: referenceItem() })).then(
      () => {
        res.writeHead(302, { location: 'https://example.com/spring?lang=en', 'cache-control': 'no-store' });
        res.end();
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', () => resolve()));
  const bareAddress = bare.address();
  const bareUrl = `http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}/${link.slug}`;

  const job = (seconds: number, url = `${ctx.url}/${link.slug}`): LoadJob => ({
    url,
    connections: options.connections,
    durationSeconds: seconds,
    headers: { 'user-agent': BROWSER_UA, accept: 'text/html,application/xhtml+xml', 'accept-language': 'en' },
    userAgents: LOAD_USER_AGENTS,
  });

  const worker = await LoadWorker.start();
  const redirects: ThroughputRound['redirect'][] = [];
  const puts: ThroughputRound['putItem'][] = [];
  const bares: ThroughputRound['httpPut'][] = [];

  return {
    async warmup(): Promise<void> {
      progress(
        `  warm-up: redirect ${options.warmupSeconds} s, PutItem ${options.warmupSeconds} s, ` +
          `bare HTTP + PutItem ${Math.ceil(options.warmupSeconds / 2)} s`,
      );
      await worker.run(job(options.warmupSeconds));
      await putLoops(options.warmupSeconds);
      await worker.run(job(Math.ceil(options.warmupSeconds / 2), bareUrl));
    },
    async redirectRound(): Promise<ThroughputRound['redirect']> {
      ctx.counter.reset();
      ctx.counter.enabled = true;
      try {
        const res = await withCpu(() => worker.run(job(options.durationSeconds)));
        const round = { ...res, clickWrites: ctx.counter.commands, clickWriteFailures: ctx.counter.failures };
        redirects.push(round);
        progress(
          `  redirect: ${round.perSecond.toFixed(0)} req/s, p99 ${round.p99Ms} ms (${round.status3xx} × 302, ` +
            `${round.other} other, ${round.errors} errors, ${round.clickWriteFailures} failed click writes); ` +
            `CPU: server ${pct(round.serverCpu)}, autocannon ${pct(round.generatorCpu)} of a core, machine ${pct(round.machineBusy)}`,
        );
        return round;
      } finally {
        ctx.counter.enabled = false;
      }
    },
    async putRound(): Promise<ThroughputRound['putItem']> {
      const round = await withCpu(() => putLoops(options.durationSeconds));
      puts.push(round);
      progress(
        `  PutItem:  ${round.perSecond.toFixed(0)} req/s, p99 ${round.p99Ms.toFixed(0)} ms; ` +
          `CPU: this process ${pct(round.serverCpu)} of a core, machine ${pct(round.machineBusy)}`,
      );
      return round;
    },
    async httpPutRound(): Promise<ThroughputRound['httpPut']> {
      const round = await withCpu(() => worker.run(job(options.durationSeconds, bareUrl)));
      bares.push(round);
      progress(
        `  bare HTTP + PutItem: ${round.perSecond.toFixed(0)} req/s, p99 ${round.p99Ms} ms; CPU: server ` +
          `${pct(round.serverCpu)}, autocannon ${pct(round.generatorCpu)} of a core, machine ${pct(round.machineBusy)}`,
      );
      return round;
    },
    summary(): ThroughputResult {
      const rounds = redirects.map((redirect, i) => ({ redirect, putItem: puts[i]!, httpPut: bares[i]! }));
      const redirectPerSecond = median(redirects.map((x) => x.perSecond));
      const putPerSecond = median(puts.map((x) => x.perSecond));
      const httpPutPerSecond = median(bares.map((x) => x.perSecond));
      return {
        rounds,
        redirectPerSecond,
        redirectP99Ms: median(redirects.map((x) => x.p99Ms)),
        redirectP50Ms: median(redirects.map((x) => x.p50Ms)),
        putPerSecond,
        putP99Ms: median(puts.map((x) => x.p99Ms)),
        putP50Ms: median(puts.map((x) => x.p50Ms)),
        // Ratios are taken within each round (the sides ran back to back) and then the median: the
        // shared machine's drift between rounds is far larger than the gap between the sides.
        ratio: median(rounds.map((x) => x.redirect.perSecond / x.putItem.perSecond)),
        httpPutPerSecond,
        httpPutP99Ms: median(bares.map((x) => x.p99Ms)),
        handlerRatio: median(rounds.map((x) => x.redirect.perSecond / x.httpPut.perSecond)),
        connections: options.connections,
        durationSeconds: options.durationSeconds,
      };
    },
    stop(): void {
      worker.stop();
      bare.close();
      bare.closeAllConnections();
    },
  };
}
