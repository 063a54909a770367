import { performance } from 'node:perf_hooks';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { ClickEvent } from '#clicks/model';
import { isCountAttribute, parseDelayAttribute } from '#shared/counter-items';
import { api, apiOk, type BenchContext, writeItems } from './context';
import { median, progress } from './lib';
import {
  type BenchLink,
  CounterFold,
  generateVisitors,
  linkSpecs,
  STAGES,
  storeClicks,
  streamRecords,
} from './workload';

/**
 * Figure 5: the 30-day link stats and funnel queries at 10k and at 1M clicks, each against itself at the
 * smaller volume: DynamoDB requests (counted at the SDK) and latency (HTTP round trip to the local server).
 *
 * - 10k: the clicks go through the real aggregator as stream records (`aggregateRecords`, batches of
 *   100). The counter items it leaves are then compared with an in-memory fold of the same clicks through
 *   the same pure counter functions (`clickCounterUpdates`, `applyClick`, `contributions`,
 *   `contributionDelta`): they must match item for item, attribute for attribute.
 * - 1M: a million clicks through the aggregator would take far too long on DynamoDB Local, so the same
 *   fold computes the counter items for a million clicks of the same workload and they are written
 *   directly (BatchWriteItem) in exactly the shape the aggregator leaves (verified at 10k above).
 */

const DAY = 86_400_000;

/** Counter items the queries may read: the top link's daily and hourly items, the journey's daily items. */
export type PartitionName = 'link days' | 'link hours' | 'journey days' | 'journey weeks';

export interface QueryFigure {
  query: 'stats' | 'funnel';
  volume: number;
  requests: number[];
  requestKinds: string;
  itemsRead: number;
  responseBytes: number;
  latencyMs: number;
  latencySamples: number[];
  /** Median time inside the Query requests of one call (SDK send, unmarshalling included). */
  queryMs: number;
  querySamples: number[];
  /** Clicks + scans the answer reports (stats: top link's totals; funnel: first stage's visitors). */
  answer: string;
}

export interface AnalyticsResult {
  volumes: Array<{
    clicks: number;
    journey: string;
    counterItems: number;
    linkItemsTopLink: number;
    journeyItems: number;
    loadSeconds: number;
    method: string;
    /** What the two queries read: the top link's hourly items and the journey's daily items. */
    partitions: Array<{
      partition: PartitionName;
      items: number;
      attributes: number;
      histogramAttributes: number;
      jsonBytes: number;
    }>;
  }>;
  verification: { items: number; mismatches: number; examples: string[] };
  queries: QueryFigure[];
}

export async function createJourneyAndLinks(ctx: BenchContext, journey: string): Promise<BenchLink[]> {
  await apiOk(ctx, 'PUT', `/api/journeys/${journey}`, { stages: [...STAGES] });
  const specs = linkSpecs(50);
  const res = await apiOk<{ results: Array<{ link?: { id: string; slug: string; domain: string } }> }>(
    ctx,
    'POST',
    '/api/links/bulk',
    {
      links: specs.map((s, i) => ({
        url: `https://example.com/${journey}/page-${i}`,
        journey,
        stage: s.stage,
        touchpoint: s.touchpoint,
      })),
    },
  );
  return res.results.map((r, i) => {
    if (!r.link) throw new Error(`link ${i} of ${journey} was not created: ${JSON.stringify(r)}`);
    return { id: r.link.id, slug: r.link.slug, domain: r.link.domain, journey, ...specs[i]! };
  });
}

export function workloadOptions(seed: number, links: BenchLink[], clicks: number, now: number) {
  // Inside the default 30-day period of both queries, with an hour of slack at each end.
  return {
    seed,
    links,
    clicks,
    startMs: now - 30 * DAY + 2 * 3_600_000,
    spanMs: 30 * DAY - 3 * 3_600_000,
    gapMeanMs: 2 * DAY,
  };
}

async function queryAll(ctx: BenchContext, pk: string): Promise<Record<string, unknown>[]> {
  const { db } = await import('#shared/dynamo');
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await db.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey: start,
      }),
    );
    out.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Aggregates the records as shards would: records grouped by click key, `shards` consumers in parallel. */
async function aggregateAll(records: DynamoDBRecord[], shards: number, batchSize: number): Promise<number> {
  const { aggregateRecords } = await import('#aggregation/aggregate');
  const streams: DynamoDBRecord[][] = Array.from({ length: shards }, () => []);
  for (const r of records) {
    const pk = (r.dynamodb!.Keys!.pk as { S: string }).S;
    let h = 0;
    for (let i = 0; i < pk.length; i++) h = (h * 31 + pk.charCodeAt(i)) >>> 0;
    streams[h % shards]!.push(r);
  }
  let retries = 0;
  await Promise.all(
    streams.map(async (stream) => {
      for (let i = 0; i < stream.length; i += batchSize) {
        let batch = stream.slice(i, i + batchSize);
        for (let attempt = 0; batch.length > 0; attempt++) {
          const { batchItemFailures } = await aggregateRecords(batch);
          const failed = batchItemFailures[0]?.itemIdentifier;
          if (!failed) break;
          if (attempt > 20) throw new Error(`batch keeps failing at ${failed}`);
          retries++;
          await new Promise((r) => setTimeout(r, 10 * attempt));
          batch = batch.slice(batch.findIndex((r) => r.dynamodb?.SequenceNumber === failed));
        }
      }
    }),
  );
  return retries;
}

function compare(expected: Record<string, unknown>[], actual: Record<string, unknown>[]) {
  const key = (i: Record<string, unknown>) => `${i.pk}|${i.sk}`;
  const byKey = new Map(actual.map((i) => [key(i), i]));
  const examples: string[] = [];
  let mismatches = 0;
  for (const e of expected) {
    const a = byKey.get(key(e));
    byKey.delete(key(e));
    const diff: string[] = [];
    if (!a) diff.push('missing');
    else {
      // The fold's attributes, and every count on the stored item (not the job numbers, `applied<slot>`,
      // that make applying exactly once: bookkeeping, not numbers).
      for (const attr of new Set([...Object.keys(e), ...Object.keys(a).filter(isCountAttribute)])) {
        const ev = e[attr] ?? 0;
        const av = a[attr] ?? 0;
        if (String(ev) !== String(av)) diff.push(`${attr}: expected ${ev}, got ${av}`);
      }
    }
    if (diff.length) {
      mismatches++;
      if (examples.length < 5) examples.push(`${key(e)} ${diff.slice(0, 3).join('; ')}`);
    }
  }
  for (const extra of byKey.keys()) {
    mismatches++;
    if (examples.length < 5) examples.push(`${extra} unexpected`);
  }
  return { items: expected.length, mismatches, examples };
}

export async function benchAnalytics(
  ctx: BenchContext,
  options: { small: number; large: number; rounds: number; shards: number },
): Promise<AnalyticsResult> {
  const { journeyShapes } = await import('#aggregation/journey-shapes');
  const now = Date.now();
  const result: AnalyticsResult = {
    volumes: [],
    verification: { items: 0, mismatches: 0, examples: [] },
    queries: [],
  };
  const targets: Array<{ volume: number; journey: string; topLink: BenchLink }> = [];

  for (const [volume, label] of [
    [options.small, 'small'],
    [options.large, 'large'],
  ] as const) {
    const journey = `bench-${label}-${volume}`;
    const links = await createJourneyAndLinks(ctx, journey);
    const orders = await journeyShapes([journey]);
    const fold = new CounterFold((j) => orders.get(j) ?? null);
    const start = performance.now();
    let method: string;
    if (label === 'small') {
      const clicks: ClickEvent[] = [];
      generateVisitors(workloadOptions(7, links, volume, now), (visitorClicks) => {
        fold.visitor(visitorClicks);
        clicks.push(...visitorClicks);
      });
      clicks.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      progress(
        `  ${volume} clicks → stream records → aggregateRecords (${options.shards} shards, batches of 100)`,
      );
      const records = streamRecords(clicks, 7);
      await storeClicks(ctx, records); // as the redirect did (the aggregator reads first clicks by visitor id)
      const retries = await aggregateAll(records, options.shards, 100);
      // What the scheduled run does once the slots are due: apply everything pending to the counters.
      const { ALL_DELTA_SLOTS, applyDeltas } = await import('#aggregation/apply-deltas');
      await applyDeltas(ALL_DELTA_SLOTS);
      method = `aggregateRecords, ${options.shards} shards × batches of 100 (${retries} retried batches)`;
      const actual = [
        ...(await Promise.all(links.map((l) => queryAll(ctx, `STATS#${l.id}`)))).flat(),
        ...(await queryAll(ctx, `JSTATS#${journey}`)),
      ];
      result.verification = compare(fold.toItems(), actual);
      progress(
        `  verified: ${result.verification.items} counter items from the aggregator vs the in-memory fold, ` +
          `${result.verification.mismatches} mismatches`,
      );
    } else {
      progress(`  ${volume} clicks → in-memory fold → counter items`);
      generateVisitors(workloadOptions(7, links, volume, now), (visitorClicks) =>
        fold.visitor(visitorClicks),
      );
      const items = fold.toItems();
      progress(`  writing ${items.length} counter items directly (BatchWriteItem)`);
      await writeItems(ctx, items);
      method = 'same fold, counter items written directly';
    }
    const items = fold.toItems();
    const topLink = links[0]!;
    const describe = (partition: PartitionName, pk: string, skPrefix = '') => {
      const part = items.filter((i) => i.pk === pk && String(i.sk).startsWith(skPrefix));
      return {
        partition,
        items: part.length,
        attributes: part.reduce((n, i) => n + Object.keys(i).length, 0),
        histogramAttributes: part.reduce(
          (n, i) => n + Object.keys(i).filter((a) => parseDelayAttribute(a) !== null).length,
          0,
        ),
        jsonBytes: part.reduce((n, i) => n + Buffer.byteLength(JSON.stringify(i)), 0),
      };
    };
    result.volumes.push({
      clicks: fold.clicks,
      journey,
      counterItems: items.length,
      linkItemsTopLink: items.filter((i) => i.pk === `STATS#${topLink.id}`).length,
      journeyItems: items.filter((i) => i.pk === `JSTATS#${journey}`).length,
      loadSeconds: (performance.now() - start) / 1000,
      method,
      // Only the partitions that exist in the current counter layout are listed.
      partitions: [
        describe('link days', `STATS#${topLink.id}`, 'D#'),
        describe('link hours', `STATS#${topLink.id}`, 'H#'),
        describe('journey days', `JSTATS#${journey}`, 'D#'),
        describe('journey weeks', `JSTATS#${journey}`, 'W#'),
      ].filter((p) => p.items > 0),
    });
    targets.push({ volume, journey, topLink });
  }

  // Queries, interleaved by volume and kind; the first rounds are warm-up.
  const warmup = 3;
  const samples = new Map<string, QueryFigure>();
  const paths = targets.flatMap((t) => [
    { query: 'stats' as const, volume: t.volume, path: `/api/links/${t.topLink.id}/stats` },
    { query: 'funnel' as const, volume: t.volume, path: `/api/journeys/${t.journey}/funnel` },
  ]);
  for (let round = 0; round < warmup + options.rounds; round++) {
    for (const p of paths) {
      ctx.counter.reset();
      ctx.counter.enabled = true;
      const t0 = performance.now();
      const res = await api<Record<string, unknown>>(ctx, 'GET', p.path);
      const ms = performance.now() - t0;
      ctx.counter.enabled = false;
      if (res.status !== 200) throw new Error(`GET ${p.path} → ${res.status}: ${JSON.stringify(res.json)}`);
      if (round < warmup) continue;
      const id = `${p.query}|${p.volume}`;
      const fig = samples.get(id) ?? {
        query: p.query,
        volume: p.volume,
        requests: [],
        requestKinds: ctx.counter.summary(),
        itemsRead: ctx.counter.queryItems,
        responseBytes: res.bytes,
        latencyMs: 0,
        latencySamples: [],
        queryMs: 0,
        querySamples: [],
        answer: answerOf(p.query, res.json),
      };
      fig.requests.push(ctx.counter.attempts);
      fig.latencySamples.push(ms);
      fig.querySamples.push(ctx.counter.msByCommand.get('Query') ?? 0);
      samples.set(id, fig);
    }
  }
  for (const fig of samples.values()) {
    fig.latencyMs = median(fig.latencySamples);
    fig.queryMs = median(fig.querySamples);
  }
  result.queries = [...samples.values()];
  return result;
}

function answerOf(query: 'stats' | 'funnel', body: Record<string, unknown>): string {
  if (query === 'stats') {
    const t = body.totals as { clicks: number; scans: number; uniqueVisitors: number };
    return `top link: ${t.clicks} clicks, ${t.scans} scans, ${t.uniqueVisitors} unique visitors`;
  }
  const stages = body.stages as Array<{ stage: string; visitors: number; progressed: number }>;
  return `${stages[0]!.stage}: ${stages[0]!.visitors} visitors, ${stages[0]!.progressed} progressed`;
}
