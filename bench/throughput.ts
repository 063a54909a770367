import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { nanoid } from 'nanoid';
import type { ClickEvent } from '../functions/clicks/model';
import { BROWSER_UA, type BenchContext } from './context';
import { median, percentile, progress } from './lib';
import type { LoadJob, LoadResult } from './load-worker';

/**
 * Figure 2: the local server's redirect throughput and p99 (autocannon in its own process, 32
 * connections, loopback) against raw PutItem throughput of the same DynamoDB Local at the same
 * concurrency (32 async loops writing a click-sized item through the very client the handlers use).
 * Rounds alternate the order of the two, after a warm-up of each; the figures are medians of rounds.
 */

export interface ThroughputRound {
  redirect: LoadResult & { clickWrites: number; clickWriteFailures: number };
  putItem: { requests: number; durationSeconds: number; perSecond: number; p50Ms: number; p99Ms: number };
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
  connections: number;
  durationSeconds: number;
}

interface LinkInfo {
  id: string;
  slug: string;
  domain: string;
  journey: string;
  stage: string;
  touchpoint: string;
}

class LoadWorker {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<LoadWorker> {
    const child = fork(fileURLToPath(new URL('./load-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
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

export async function benchThroughput(
  ctx: BenchContext,
  link: LinkInfo,
  options: { rounds: number; durationSeconds: number; warmupSeconds: number; connections: number },
): Promise<ThroughputResult> {
  const { db } = await import('../functions/shared/dynamo');
  const { clickItem, randomPartition } = await import('../functions/clicks/repository');
  const { config } = await import('../functions/shared/config');
  const table = config().tableName;
  const retention = config().clickRetentionDays;

  /** The item the redirect would write for this link and user agent (same attributes, same size). */
  const referenceClick = (): ClickEvent => ({
    id: nanoid(12),
    at: new Date().toISOString(),
    linkId: link.id,
    domain: link.domain,
    slug: link.slug,
    journey: link.journey,
    stage: link.stage,
    touchpoint: link.touchpoint,
    source: 'click',
    visitorId: `v_${nanoid()}`,
    bot: false,
    device: 'mobile',
    os: 'Android',
    browser: 'Chrome',
    referrer: null,
    country: null,
    maxClicks: null,
  });

  const putLoops = async (seconds: number) => {
    const latencies: number[] = [];
    const start = performance.now();
    const deadline = start + seconds * 1000;
    const loop = async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await db.send(
          new PutCommand({ TableName: table, Item: clickItem(referenceClick(), randomPartition(), retention) }),
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

  const job = (seconds: number): LoadJob => ({
    url: `${ctx.url}/${link.slug}`,
    connections: options.connections,
    durationSeconds: seconds,
    headers: { 'user-agent': BROWSER_UA, accept: 'text/html,application/xhtml+xml', 'accept-language': 'en' },
  });

  const worker = await LoadWorker.start();
  try {
    progress(`  warm-up: redirect ${options.warmupSeconds} s, PutItem ${options.warmupSeconds} s`);
    await worker.run(job(options.warmupSeconds));
    await putLoops(options.warmupSeconds);

    const rounds: ThroughputRound[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const redirectRun = async () => {
        ctx.counter.reset();
        ctx.counter.enabled = true;
        const res = await worker.run(job(options.durationSeconds));
        ctx.counter.enabled = false;
        return { ...res, clickWrites: ctx.counter.commands, clickWriteFailures: ctx.counter.failures };
      };
      let redirect: ThroughputRound['redirect'];
      let putItem: ThroughputRound['putItem'];
      if (r % 2 === 0) {
        redirect = await redirectRun();
        putItem = await putLoops(options.durationSeconds);
      } else {
        putItem = await putLoops(options.durationSeconds);
        redirect = await redirectRun();
      }
      rounds.push({ redirect, putItem });
      progress(
        `  round ${r + 1}/${options.rounds}: redirect ${redirect.perSecond.toFixed(0)}/s p99 ${redirect.p99Ms} ms ` +
          `(${redirect.status3xx} × 302, ${redirect.other} other, ${redirect.errors} errors, ` +
          `${redirect.clickWriteFailures} failed click writes) | PutItem ${putItem.perSecond.toFixed(0)}/s ` +
          `p99 ${putItem.p99Ms.toFixed(1)} ms`,
      );
    }
    const redirectPerSecond = median(rounds.map((x) => x.redirect.perSecond));
    const putPerSecond = median(rounds.map((x) => x.putItem.perSecond));
    return {
      rounds,
      redirectPerSecond,
      redirectP99Ms: median(rounds.map((x) => x.redirect.p99Ms)),
      redirectP50Ms: median(rounds.map((x) => x.redirect.p50Ms)),
      putPerSecond,
      putP99Ms: median(rounds.map((x) => x.putItem.p99Ms)),
      putP50Ms: median(rounds.map((x) => x.putItem.p50Ms)),
      ratio: redirectPerSecond / putPerSecond,
      connections: options.connections,
      durationSeconds: options.durationSeconds,
    };
  } finally {
    worker.stop();
  }
}
