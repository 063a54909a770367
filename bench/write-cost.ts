import { performance } from 'node:perf_hooks';
import { DescribeTableCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { useEnvironmentClickPartition } from '#clicks/partition';
import { toLambdaRecord } from '#local/stream-poller';
import { ensureTable } from '#local/table';
import { AGGREGATE_BATCHING_WINDOW_SECONDS } from '#shared/freshness';
import { CLICK_PARTITIONS, DELTA_SLOTS, keys } from '#shared/keys';
import { apiOk, type BenchContext, LOAD_USER_AGENTS } from './context';
import { percentile, progress, rng, weighted } from './lib';
import { redirectEvent } from './redirect-requests';
import { VirtualClock } from './virtual-clock';
import { CapacityMeter, type ItemSizes, type PhaseUnits } from './write-meter';

/**
 * Figure 6: DynamoDB write units per click, everything included (the click's own PutItem, what the stream
 * consumer writes, what the scheduled flush writes), at steady traffic levels from 0.1 to 100 clicks/s,
 * and how fresh the counters are (the longest a click waits to show up in the link's stats).
 *
 * Only public entry points run: the redirect handler (`functions/handlers/redirect.ts`), the aggregate
 * handler (`functions/handlers/aggregate.ts`) with real stream records read from DynamoDB Local's stream,
 * and EventBridge's scheduled event, and `GET /api/links/{id}/stats` to see when a click is counted. Units
 * are what DynamoDB reports with `ReturnConsumedCapacity` (bench/write-meter.ts).
 *
 * Time is simulated, not the emulator: a virtual clock (bench/virtual-clock.ts) jumps from one event to
 * the next (a click, a stream batch falling due, the scheduled run), so two hours at 0.1 clicks/s take
 * seconds. The event source mapping is modelled as the stack configures it (lib/touchpoint-stack.ts):
 * batch size 500, the stack's batching window (20 s), one batch in flight per shard. The stream has SHARDS shards,
 * records split by their partition key as DynamoDB splits them (a new on-demand table starts with 4
 * partitions); the more shards, the smaller the batches. The aggregator runs as fast as the emulator lets
 * it; in virtual time it takes no time, which AWS will not match, so freshness is a lower bound by the
 * handler's own duration (well under a second per batch on Lambda).
 */

export interface WriteCostOptions {
  levels: Array<{ clicksPerSecond: number; clicks: number }>;
  links?: number;
  shards?: number;
  seed?: number;
  /** The event source mapping's batching window; default the stack's (experiments compare others). */
  batchingWindowSeconds?: number;
}

export interface WriteCostLevel {
  clicksPerSecond: number;
  clicks: number;
  counted: number;
  simulatedSeconds: number;
  wallSeconds: number;
  links: number;
  visitors: number;
  /** Redirect environments started (each writes its own raw-click key, ADR 0058). */
  redirectEnvironments: number;
  streamBatches: number;
  recordsPerBatch: number;
  batchRetries: number;
  scheduledRuns: number;
  /** Write units per click as DynamoDB reported them, by phase and in all. */
  writeUnitsPerClick: { total: number; clickWrite: number; streamBatches: number; scheduledFlush: number };
  /** What DynamoDB Local reported (ReturnConsumedCapacity); it under-reports transactions. */
  reportedWriteUnitsPerClick: number;
  /** Items written per click (every item of a transaction or batch). */
  itemsWrittenPerClick: number;
  readUnitsPerClick: { total: number; redirect: number; streamBatches: number; scheduledFlush: number };
  /** Requests and units per command, all phases. */
  byCommand: PhaseUnits['byCommand'];
  /** Sizes of the items written, by the partition key's prefix. */
  itemSizes: Record<string, ItemSizes & { meanBytes: number }>;
  /** Seconds from a click to the first stats answer that counts it. */
  freshness: { maxSeconds: number; p99Seconds: number; p50Seconds: number };
  /** The link stats reads the bench made to see clicks counted: read units and requests of one, on average. */
  reportReads: { reports: number; readUnitsPerReport: number; requestsPerReport: number };
  /** Clicks first seen counted after a stream batch, and after a scheduled run. */
  countedBy: { stream: number; schedule: number };
}

export interface WriteCostResult {
  model: {
    shards: number;
    batchSize: number;
    batchingWindowSeconds: number;
    scheduleSeconds: number;
    links: number;
    returningVisitorShare: number;
    scanShare: number;
    botShare: number;
  };
  levels: WriteCostLevel[];
}

/**
 * The four levels: clicks/s and how many clicks, so each level spans long enough for the one-minute flush
 * schedule to run many times (1 hour at 0.1/s, 15 min at 1/s, 5 min at 10/s, 2 min at 100/s). The quick
 * run (BENCH_QUICK=1) spans a sixth of that.
 */
export function writeCostLevels(quick: boolean): WriteCostOptions['levels'] {
  const spans = [
    { clicksPerSecond: 0.1, seconds: 3_600 },
    { clicksPerSecond: 1, seconds: 900 },
    { clicksPerSecond: 10, seconds: 300 },
    { clicksPerSecond: 100, seconds: 120 },
  ];
  return spans.map(({ clicksPerSecond, seconds }) => ({
    clicksPerSecond,
    clicks: Math.round((clicksPerSecond * seconds) / (quick ? 6 : 1)),
  }));
}

/** As lib/touchpoint-stack.ts configures the event source mapping and the flush schedule. */
const BATCH_SIZE = 500;
const SCHEDULE_MS = 60_000;
/** The meter's phase for the bench's own `GET /stats` calls (what a report costs to read, pending included). */
const REPORT_PHASE = 'report';
/** Stats are re-read at most this often while clicks wait to be counted (bounds the bench's own cost). */
const PROBE_EVERY_MS = 1_000;
/** How long after the last click the simulation waits for every click to be counted. */
const DRAIN_LIMIT_MS = 3_600_000;

/**
 * Redirect environments (ADR 0058: each writes its clicks under its own raw-click key). An invocation keeps
 * its environment busy for the 302 and the click write after it; a click arriving while every environment
 * is busy starts a new one (a cold start), and a click finds a random idle one, which spreads the clicks over
 * every environment started so far (the pessimistic case for batches: Lambda's routing is not documented).
 */
const REDIRECT_BUSY_MS = 30;
/** Lambda reclaims an idle environment after some minutes (not documented); then a new one starts. */
const ENVIRONMENT_IDLE_MS = 5 * 60_000;

class RedirectEnvironments {
  private readonly environments: Array<{ partition: number; busyUntil: number }> = [];
  started = 0;

  constructor(private readonly random: () => number) {}

  /** The raw-click partition of the environment serving a click at `now`. */
  serve(now: number): number {
    for (let i = this.environments.length - 1; i >= 0; i--)
      if (now - this.environments[i]!.busyUntil > ENVIRONMENT_IDLE_MS) this.environments.splice(i, 1);
    const idle = this.environments.filter((e) => e.busyUntil <= now);
    let env = idle[Math.floor(this.random() * idle.length)];
    if (!env) {
      env = { partition: Math.floor(this.random() * CLICK_PARTITIONS), busyUntil: now };
      this.environments.push(env);
      this.started++;
    }
    env.busyUntil = now + REDIRECT_BUSY_MS;
    return env.partition;
  }
}

const RETURNING_SHARE = 0.4;
const SCAN_SHARE = 0.3;
const BOT_SHARE = 0.03;
const BOT_UA = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';
const STAGES = ['awareness', 'consideration', 'decision', 'retention', 'advocacy'];

type Invoke = (
  event: unknown,
) => Promise<{ batchItemFailures?: Array<{ itemIdentifier: string }> } | undefined>;
type Redirect = (
  event: ReturnType<typeof redirectEvent>,
) => Promise<{ statusCode: number; cookies?: string[] }>;

export async function benchWriteCost(ctx: BenchContext, options: WriteCostOptions): Promise<WriteCostResult> {
  const windowMs = (options.batchingWindowSeconds ?? AGGREGATE_BATCHING_WINDOW_SECONDS) * 1000;
  const shards = options.shards ?? 4;
  const links = options.links ?? 10;
  const savedBatchSize = process.env.AGGREGATE_BATCH_SIZE;
  process.env.AGGREGATE_BATCH_SIZE = String(BATCH_SIZE);
  const { resetConfig } = await import('#shared/config');
  resetConfig();
  // A table of its own (as a fresh deployment has): no clicks, deltas or checkpoints of other figures.
  const savedTable = process.env.TABLE_NAME;
  const tableName = `${ctx.tableName}-write-cost`;
  const endpoint = process.env.DYNAMODB_ENDPOINT!;
  const admin = new DynamoDBClient({ endpoint, region: 'local', credentials: LOCAL_CREDENTIALS });
  await ensureTable(admin, tableName).finally(() => admin.destroy());
  process.env.TABLE_NAME = tableName;
  resetConfig();
  // Imported here: the shared DynamoDB client must be created after the runtime has set its endpoint.
  const { registerApiKey } = await import('#auth/service');
  await registerApiKey(ctx.apiKey, 'bench: write cost', 'admin');
  const { dynamoClient } = await import('#shared/dynamo');
  const meter = await new CapacityMeter(endpoint, tableName).install(dynamoClient);
  const redirect = (await import('#handlers/redirect')).handler as Redirect;
  const aggregate = (await import('#handlers/aggregate')).handler as Invoke;
  const tap = new StreamTap(endpoint, tableName);
  await tap.start();
  // Starts at the real time, so the first level's links are created "now"; only ever moves forward.
  const clock = new VirtualClock(Date.now()).install();
  const levels: WriteCostLevel[] = [];
  try {
    for (const [i, level] of options.levels.entries()) {
      progress(
        `  ${level.clicksPerSecond} clicks/s: ${level.clicks} clicks over ${links} links, ${shards} shards`,
      );
      const run = await runLevel({
        ctx,
        clock,
        meter,
        tap,
        redirect,
        aggregate,
        shards,
        links,
        label: `l${i}`,
        seed: (options.seed ?? 1) * 100 + i,
        windowMs,
        ...level,
      });
      levels.push(run);
      progress(
        `  ${level.clicksPerSecond} clicks/s: ${run.writeUnitsPerClick.total.toFixed(2)} write units/click ` +
          `(click ${run.writeUnitsPerClick.clickWrite.toFixed(2)}, stream ${run.writeUnitsPerClick.streamBatches.toFixed(2)}, ` +
          `schedule ${run.writeUnitsPerClick.scheduledFlush.toFixed(2)}), ${run.recordsPerBatch.toFixed(1)} records/batch, ` +
          `freshness max ${run.freshness.maxSeconds.toFixed(0)} s; ${run.counted}/${run.clicks} counted; ` +
          `${run.wallSeconds.toFixed(0)} s wall for ${(run.simulatedSeconds / 60).toFixed(0)} min simulated`,
      );
    }
  } finally {
    clock.uninstall();
    tap.stop();
    meter.phase = undefined;
    meter.stop();
    restoreEnv('AGGREGATE_BATCH_SIZE', savedBatchSize);
    restoreEnv('TABLE_NAME', savedTable);
    resetConfig();
  }
  return {
    model: {
      shards,
      batchSize: BATCH_SIZE,
      batchingWindowSeconds: windowMs / 1000,
      scheduleSeconds: SCHEDULE_MS / 1000,
      links,
      returningVisitorShare: RETURNING_SHARE,
      scanShare: SCAN_SHARE,
      botShare: BOT_SHARE,
    },
    levels,
  };
}

interface Visitor {
  cookie?: string;
  ip: string;
  userAgent: string;
}

interface LevelInput {
  ctx: BenchContext;
  clock: VirtualClock;
  meter: CapacityMeter;
  tap: StreamTap;
  redirect: Redirect;
  aggregate: Invoke;
  shards: number;
  links: number;
  label: string;
  seed: number;
  clicksPerSecond: number;
  clicks: number;
  windowMs: number;
}

async function runLevel(input: LevelInput): Promise<WriteCostLevel> {
  const { ctx, clock, meter, tap, shards } = input;
  const wallStart = performance.now();
  const random = rng(input.seed);
  const start = clock.now();
  const linkList: Array<{ id: string; slug: string }> = [];
  for (let i = 0; i < input.links; i++) {
    linkList.push(
      await apiOk<{ id: string; slug: string }>(ctx, 'POST', '/api/links', {
        url: `https://example.com/${input.label}/${i}`,
        touchpoint: `wcu-${input.label}-${i}`,
        stage: STAGES[i % STAGES.length],
      }),
    );
  }
  // Zipf popularity: the top link gets about a third of the clicks.
  const linkWeights = linkList.map((_, i) => [i, 1 / (i + 1)] as const);
  const clickTimes: number[] = [];
  let t = start + 1_000;
  for (let k = 0; k < input.clicks; k++) {
    t += Math.max(1, Math.round((-Math.log(1 - random()) / input.clicksPerSecond) * 1000));
    clickTimes.push(t);
  }
  const end = clickTimes[clickTimes.length - 1]!;

  meter.reset();
  const visitors: Visitor[] = [];
  /** Click times per link, in order; counted[i] = how many of them the stats count. */
  const sentAt: number[][] = linkList.map(() => []);
  const counted = linkList.map(() => 0);
  const delays: number[] = [];
  /** Clicks whose stream record has not been read yet (their times, in order). */
  const unread: number[] = [];
  const pending: Array<Array<{ record: DynamoDBRecord; arrival: number }>> = Array.from(
    { length: shards },
    () => [],
  );
  let batches = 0;
  let batchRecords = 0;
  let retries = 0;
  let scheduledRuns = 0;
  let reports = 0;
  let nextTick = start + 30_000;
  let lastProbe = -Infinity;
  /** A probe skipped (too soon after the last) is made up at this time, so no count is seen late. */
  let probeOwedAt = Infinity;
  let lastInvocation: 'stream' | 'schedule' = 'stream';
  const countedBy = { stream: 0, schedule: 0 };
  let k = 0;
  const environments = new RedirectEnvironments(random);

  const readStream = async () => {
    const records = await tap.read(unread.length);
    for (const record of records) {
      const arrival = unread.shift()!;
      pending[shardOf(record, shards)]!.push({ record, arrival });
    }
  };
  const uncounted = () => sentAt.some((times, i) => counted[i]! < times.length);
  const probe = async (now: number, force = false) => {
    if (!force && now - lastProbe < PROBE_EVERY_MS) {
      probeOwedAt = Math.min(probeOwedAt, lastProbe + PROBE_EVERY_MS);
      return;
    }
    lastProbe = now;
    probeOwedAt = Infinity;
    for (const [i, link] of linkList.entries()) {
      if (counted[i]! >= sentAt[i]!.length) continue;
      meter.phase = REPORT_PHASE;
      let stats: { totals: { clicks: number; scans: number; botClicks: number } };
      try {
        stats = await apiOk(ctx, 'GET', `/api/links/${link.id}/stats`);
      } finally {
        meter.phase = undefined;
      }
      reports++;
      const total = Math.min(
        sentAt[i]!.length,
        stats.totals.clicks + stats.totals.scans + stats.totals.botClicks,
      );
      for (let c = counted[i]!; c < total; c++) delays.push(now - sentAt[i]![c]!);
      if (total > counted[i]!) countedBy[lastInvocation] += total - counted[i]!;
      counted[i] = Math.max(counted[i]!, total);
    }
  };
  const deliver = async (shard: number) => {
    const queue = pending[shard]!;
    let batch = queue.splice(0, BATCH_SIZE).map((p) => p.record);
    batches++;
    batchRecords += batch.length;
    meter.phase = 'stream';
    try {
      for (let attempt = 0; batch.length > 0; attempt++) {
        const res = await input.aggregate({ Records: batch });
        const failed = res?.batchItemFailures?.[0]?.itemIdentifier;
        if (!failed) break;
        if (attempt >= 10) throw new Error(`a stream batch kept failing at ${failed}`);
        retries++;
        // As Lambda does: the failed record and everything after it again.
        const from = batch.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
        batch = batch.slice(Math.max(0, from));
      }
    } finally {
      meter.phase = undefined;
    }
  };

  for (;;) {
    const tClick = k < clickTimes.length ? clickTimes[k]! : Infinity;
    // A click not read from the stream yet may fall due before the next event: read it first.
    if (
      unread.length &&
      (unread[0]! + input.windowMs <= Math.min(tClick, nextTick) || unread.length >= BATCH_SIZE)
    )
      await readStream();
    let tShard = Infinity;
    let dueShard = -1;
    for (const [s, queue] of pending.entries()) {
      if (!queue.length) continue;
      const due = queue.length >= BATCH_SIZE ? clock.now() : queue[0]!.arrival + input.windowMs;
      if (due < tShard) {
        tShard = due;
        dueShard = s;
      }
    }
    if (probeOwedAt <= Math.min(tShard, nextTick, tClick)) {
      clock.set(Math.max(clock.now(), probeOwedAt));
      await probe(clock.now(), true);
      continue;
    }
    const idle = k >= clickTimes.length && !unread.length && dueShard < 0;
    if (idle && !uncounted() && !(await tap.pendingDeltas())) break;
    if (idle && nextTick > end + DRAIN_LIMIT_MS) break;
    if (tShard <= nextTick && tShard <= tClick) {
      clock.set(Math.max(clock.now(), tShard));
      await deliver(dueShard);
      lastInvocation = 'stream';
      await probe(clock.now());
    } else if (nextTick <= tClick) {
      clock.set(nextTick);
      // A probe still owed for an earlier stream batch first, so its clicks are not put down to this run.
      if (probeOwedAt < Infinity) await probe(clock.now(), true);
      nextTick += SCHEDULE_MS;
      scheduledRuns++;
      meter.phase = 'schedule';
      try {
        await input.aggregate(scheduledEvent());
      } finally {
        meter.phase = undefined;
      }
      lastInvocation = 'schedule';
      await probe(clock.now(), true);
    } else {
      clock.set(tClick);
      k++;
      const linkIndex = weighted(random, linkWeights);
      const bot = random() < BOT_SHARE;
      const scan = random() < SCAN_SHARE;
      let visitor: Visitor;
      if (bot) visitor = { ip: `192.0.2.${Math.floor(random() * 250)}`, userAgent: BOT_UA };
      else if (visitors.length && random() < RETURNING_SHARE)
        visitor = visitors[Math.floor(random() * visitors.length)]!;
      else {
        visitor = {
          ip: `198.51.${Math.floor(random() * 250)}.${Math.floor(random() * 250)}`,
          userAgent: LOAD_USER_AGENTS[Math.floor(random() * LOAD_USER_AGENTS.length)]!,
        };
        visitors.push(visitor);
      }
      useEnvironmentClickPartition(environments.serve(tClick));
      meter.phase = 'redirect';
      let res: Awaited<ReturnType<Redirect>>;
      try {
        res = await input.redirect(
          redirectEvent(ctx, linkList[linkIndex]!.slug, {
            query: scan ? 'r=qr' : '',
            cookie: visitor.cookie,
            ip: visitor.ip,
            userAgent: visitor.userAgent,
          }),
        );
      } finally {
        meter.phase = undefined;
      }
      if (res.statusCode !== 302) throw new Error(`redirect answered ${res.statusCode}`);
      const setCookie = res.cookies?.[0];
      if (setCookie && !bot) visitor.cookie = setCookie.split(';')[0];
      sentAt[linkIndex]!.push(tClick);
      unread.push(tClick);
    }
  }

  const clicks = clickTimes.length;
  const phase = (name: string) => meter.phases.get(name);
  const per = (f: (p: PhaseUnits) => number, name?: string) => {
    const p = name ? phase(name) : meter.total([REPORT_PHASE]);
    return p ? f(p) / clicks : 0;
  };
  // What counting costs; the bench's own report reads are measured on their own.
  const total = meter.total([REPORT_PHASE]);
  const reportUnits = phase(REPORT_PHASE);
  return {
    clicksPerSecond: input.clicksPerSecond,
    clicks,
    counted: counted.reduce((s, n) => s + n, 0),
    simulatedSeconds: (clock.now() - start) / 1000,
    wallSeconds: (performance.now() - wallStart) / 1000,
    links: linkList.length,
    visitors: visitors.length,
    redirectEnvironments: environments.started,
    streamBatches: batches,
    recordsPerBatch: batchRecords / Math.max(1, batches),
    batchRetries: retries,
    scheduledRuns,
    writeUnitsPerClick: {
      total: per((p) => p.writeUnits),
      clickWrite: per((p) => p.writeUnits, 'redirect'),
      streamBatches: per((p) => p.writeUnits, 'stream'),
      scheduledFlush: per((p) => p.writeUnits, 'schedule'),
    },
    reportedWriteUnitsPerClick: per((p) => p.reportedWriteUnits),
    itemsWrittenPerClick: per((p) => p.items),
    readUnitsPerClick: {
      total: per((p) => p.readUnits),
      redirect: per((p) => p.readUnits, 'redirect'),
      streamBatches: per((p) => p.readUnits, 'stream'),
      scheduledFlush: per((p) => p.readUnits, 'schedule'),
    },
    reportReads: {
      reports,
      readUnitsPerReport: reportUnits ? reportUnits.readUnits / Math.max(1, reports) : 0,
      requestsPerReport: reportUnits ? reportUnits.requests / Math.max(1, reports) : 0,
    },
    byCommand: total.byCommand,
    itemSizes: Object.fromEntries(
      [...meter.itemSizes].map(([kind, x]) => [
        kind,
        { ...x, meanBytes: Math.round(x.totalBytes / x.writes) },
      ]),
    ),
    freshness: {
      maxSeconds: delays.length ? Math.max(...delays) / 1000 : Number.NaN,
      p99Seconds: percentile(delays, 99) / 1000,
      p50Seconds: percentile(delays, 50) / 1000,
    },
    countedBy,
  };
}

/** EventBridge's event for the stack's `rate(1 minute)` rule, at the virtual time. */
function scheduledEvent() {
  return {
    version: '0',
    id: `bench-${Date.now()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:000000000000:rule/ApplyPendingDeltas'],
    detail: {},
  };
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** The stream shard a record belongs to: by its partition key, as DynamoDB assigns keys to partitions. */
function shardOf(record: DynamoDBRecord, shards: number): number {
  const pk = record.dynamodb?.Keys?.pk?.S ?? '';
  let h = 2166136261;
  for (let i = 0; i < pk.length; i++) h = Math.imul(h ^ pk.charCodeAt(i), 16777619) >>> 0;
  return h % shards;
}

/**
 * Reads DynamoDB Local's stream from the moment `start` is called: the raw-click INSERTs (the stack's
 * event filter), in Lambda's record format, in stream order.
 */
class StreamTap {
  /**
   * Whether counter deltas or a running job are still waiting to be applied (read with this uncounted
   * client). A level ends only when none is: reports count pending clicks at once (ADR 0059), so "every
   * click counted" comes long before the writes that apply them, and those belong to the level.
   */
  async pendingDeltas(): Promise<boolean> {
    for (let slot = 0; slot < DELTA_SLOTS; slot++) {
      const res = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: keys.deltaPartition(slot) } },
          ConsistentRead: true,
        }),
      );
      if ((res.Items ?? []).some((item) => item.sk?.S !== 'JOB' || item.running?.BOOL === true)) return true;
    }
    return false;
  }

  private readonly streams: DynamoDBStreamsClient;
  private readonly dynamo: DynamoDBClient;
  private streamArn = '';
  private readonly iterators = new Map<string, string | undefined>();

  constructor(
    endpoint: string,
    private readonly tableName: string,
  ) {
    const config = { endpoint, region: 'local', credentials: LOCAL_CREDENTIALS };
    this.streams = new DynamoDBStreamsClient(config);
    this.dynamo = new DynamoDBClient(config);
  }

  async start(): Promise<void> {
    const table = await this.dynamo.send(new DescribeTableCommand({ TableName: this.tableName }));
    this.streamArn = table.Table?.LatestStreamArn ?? '';
    if (!this.streamArn) throw new Error(`table ${this.tableName} has no stream`);
    await this.discover('LATEST');
  }

  stop(): void {
    this.streams.destroy();
    this.dynamo.destroy();
  }

  private async discover(type: 'LATEST' | 'TRIM_HORIZON'): Promise<void> {
    const res = await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn }));
    for (const shard of res.StreamDescription?.Shards ?? []) {
      if (this.iterators.has(shard.ShardId!)) continue;
      if (shard.SequenceNumberRange?.EndingSequenceNumber && type === 'LATEST') {
        this.iterators.set(shard.ShardId!, undefined); // closed before we started
        continue;
      }
      const it = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: type,
        }),
      );
      this.iterators.set(shard.ShardId!, it.ShardIterator);
    }
  }

  /** Reads until `expected` new raw-click records are in (the redirect's write is in the stream by then). */
  async read(expected: number): Promise<DynamoDBRecord[]> {
    const out: DynamoDBRecord[] = [];
    for (let attempt = 0; out.length < expected; attempt++) {
      if (attempt > 0) {
        if (attempt > 50)
          throw new Error(`expected ${expected} click records in the stream, found ${out.length}`);
        await new Promise((r) => setTimeout(r, 20));
        await this.discover('TRIM_HORIZON'); // a shard that rolled over
      }
      for (const [shardId, iterator] of this.iterators) {
        let next = iterator;
        while (next) {
          const res = await this.streams.send(new GetRecordsCommand({ ShardIterator: next, Limit: 1000 }));
          next = res.NextShardIterator;
          const records = res.Records ?? [];
          for (const r of records)
            if (r.eventName === 'INSERT' && isClick(r)) out.push(toLambdaRecord(r, this.streamArn));
          if (!records.length) break;
        }
        this.iterators.set(shardId, next);
      }
    }
    if (out.length !== expected)
      throw new Error(`expected ${expected} click records in the stream, found ${out.length}`);
    return out;
  }
}

function isClick(r: _Record): boolean {
  return keys.isClickPk(r.dynamodb?.Keys?.pk?.S ?? '');
}

/** `npx tsx bench/write-cost.ts`: this figure alone (BENCH_QUICK=1 for short levels). */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { withBenchRuntime } = await import('./experiments/setup');
  const result = await withBenchRuntime((ctx) =>
    benchWriteCost(ctx, { levels: writeCostLevels(process.env.BENCH_QUICK === '1') }),
  );
  console.log(JSON.stringify(result, null, 1));
}
