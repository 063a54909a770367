import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { type CounterUpdate, clickCounterUpdates, contributionDelta } from '#aggregation/counters';
import { type ClickEvent, isMintingClick } from '#clicks/model';
import { clickItem } from '#clicks/repository';
import { contributions, type JourneyShape } from '#journeys/contributions';
import { applyClick, emptyVisitorState, visitorClickOf } from '#journeys/visitor-state';
import { CLICK_PARTITIONS, type Key, keys } from '#shared/keys';
import { itemId } from '#shared/table';
import { type BenchContext, writeItems } from './context';
import { rng, weighted } from './lib';

/**
 * The synthetic workload shared by the analytics figures: links with Zipf popularity, visitors who click
 * 1-4 links (in stage order, with gaps), a realistic mix of sources, devices, countries and referrers,
 * and 3% bots. Deterministic (seeded), so every run measures the same clicks.
 */

export const STAGES = ['awareness', 'consideration', 'decision', 'retention', 'advocacy'] as const;

export interface BenchLink {
  id: string;
  domain: string;
  slug: string;
  journey: string;
  stage: string;
  touchpoint: string;
}

/** `count` links over `touchpointsPerStage` touchpoints per stage, round-robin (link 0 is the most popular). */
export function linkSpecs(
  count: number,
  touchpointsPerStage = 3,
): Array<{ stage: string; touchpoint: string }> {
  const touchpoints = STAGES.length * touchpointsPerStage;
  return Array.from({ length: count }, (_, i) => {
    const tp = i % touchpoints;
    const stage = STAGES[Math.floor(tp / touchpointsPerStage)]!;
    return { stage, touchpoint: `${stage}-tp${tp % touchpointsPerStage}` };
  });
}

const AGENTS = [
  [{ device: 'mobile', os: 'iOS', browser: 'Safari' }, 34],
  [{ device: 'mobile', os: 'Android', browser: 'Chrome' }, 30],
  [{ device: 'desktop', os: 'Windows', browser: 'Chrome' }, 14],
  [{ device: 'desktop', os: 'macOS', browser: 'Safari' }, 7],
  [{ device: 'desktop', os: 'Windows', browser: 'Microsoft Edge' }, 5],
  [{ device: 'desktop', os: 'macOS', browser: 'Chrome' }, 4],
  [{ device: 'tablet', os: 'iOS', browser: 'Safari' }, 3],
  [{ device: 'desktop', os: 'Linux', browser: 'Firefox' }, 2],
  [{ device: 'mobile', os: 'Android', browser: 'Samsung Internet' }, 1],
] as const;
const COUNTRIES = [
  ['US', 30],
  ['DE', 12],
  ['GB', 10],
  ['FR', 8],
  ['NL', 5],
  ['ES', 5],
  ['IT', 5],
  ['CA', 4],
  ['BR', 4],
  ['IN', 4],
  ['JP', 3],
  ['AU', 3],
  ['SE', 2],
  ['PL', 2],
  [null, 3],
] as const;
const REFERRERS = [
  [null, 45],
  ['www.instagram.com', 15],
  ['l.facebook.com', 10],
  ['www.google.com', 10],
  ['t.co', 6],
  ['www.linkedin.com', 5],
  ['mail.google.com', 4],
  ['www.youtube.com', 3],
  ['news.ycombinator.com', 2],
] as const;

export interface WorkloadOptions {
  seed: number;
  links: readonly BenchLink[];
  /** Total clicks to generate (the last visitor is cut short to hit it exactly). */
  clicks: number;
  /** Clicks fall in [startMs, startMs + spanMs). */
  startMs: number;
  spanMs: number;
  /** Mean gap between one visitor's consecutive clicks. */
  gapMeanMs: number;
  /** Zipf exponent of link popularity. */
  zipf?: number;
}

/**
 * Calls `onVisitor` with each visitor's clicks (time order). Links are drawn by Zipf popularity, distinct
 * per visitor, and visited in stage order, so multi-click visitors move through the journey.
 */
export function generateVisitors(options: WorkloadOptions, onVisitor: (clicks: ClickEvent[]) => void): void {
  const random = rng(options.seed);
  const s = options.zipf ?? 1;
  const weights = options.links.map((_, i) => 1 / (i + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) {
    acc += w / total;
    cumulative.push(acc);
  }
  const pickLink = () => {
    const x = random();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const stageRank = new Map<string, number>(STAGES.map((st, i) => [st, i]));
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  const token = (n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(random() * 64)];
    return out;
  };
  const end = options.startMs + options.spanMs;
  let produced = 0;
  while (produced < options.clicks) {
    const k = weighted(random, [
      [1, 50],
      [2, 25],
      [3, 15],
      [4, 10],
    ]);
    const chosen = new Set<number>();
    for (let guard = 0; chosen.size < Math.min(k, options.links.length) && guard < 100; guard++) {
      chosen.add(pickLink());
    }
    const links = [...chosen]
      .map((i) => options.links[i]!)
      .sort((a, b) => (stageRank.get(a.stage) ?? 0) - (stageRank.get(b.stage) ?? 0));
    const bot = random() < 0.03;
    const agent = bot
      ? { device: 'bot', os: 'unknown', browser: 'unknown' }
      : weighted(random, AGENTS as unknown as [{ device: string; os: string; browser: string }, number][]);
    const country = weighted(random, COUNTRIES as unknown as [string | null, number][]);
    let t = options.startMs + Math.floor(random() * options.spanMs);
    // The redirect mints the visitor's id with their first click, which it stores under that id.
    const visitorId = keys.mintedVisitorId(t, Math.floor(random() * CLICK_PARTITIONS), token(11));
    const clicks: ClickEvent[] = [];
    for (const link of links) {
      if (t >= end || produced + clicks.length >= options.clicks) break;
      clicks.push({
        id: clicks.length === 0 ? visitorId : token(12),
        at: new Date(t).toISOString(),
        linkId: link.id,
        domain: link.domain,
        slug: link.slug,
        journey: link.journey,
        stage: link.stage,
        touchpoint: link.touchpoint,
        source: random() < 0.3 ? 'scan' : 'click',
        visitorId,
        bot,
        device: agent.device as ClickEvent['device'],
        os: agent.os,
        browser: agent.browser,
        referrer: weighted(random, REFERRERS as unknown as [string | null, number][]),
        country,
        maxClicks: null,
        ...(clicks.length === 0 ? { newVisitor: true as const } : {}),
      });
      t += Math.max(1000, Math.round(-Math.log(1 - random()) * options.gapMeanMs));
    }
    if (clicks.length === 0) continue;
    produced += clicks.length;
    onVisitor(clicks);
  }
}

/** All clicks of the workload, in time order (as the stream delivers them). */
export function generateClicks(options: WorkloadOptions): ClickEvent[] {
  const out: ClickEvent[] = [];
  generateVisitors(options, (clicks) => out.push(...clicks));
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

let sequence = 10n ** 20n;

/**
 * Stream records in Lambda's format (`INSERT`, `NEW_IMAGE`), each click under the raw-click key the
 * redirect would choose (the one a minted visitor id names, else a random one: many environments), sequence
 * numbers increasing.
 */
export function streamRecords(clicks: readonly ClickEvent[], seed: number): DynamoDBRecord[] {
  const random = rng(seed);
  return clicks.map((click) => {
    // A random key per click for the others: the bulk load stands for many environments (ADR 0058).
    const partition = isMintingClick(click)
      ? keys.mintedPartition(click.visitorId)
      : Math.floor(random() * CLICK_PARTITIONS);
    const item = clickItem(click, partition, 395);
    sequence += 1n;
    return {
      eventID: `bench-${sequence}`,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      awsRegion: 'local',
      dynamodb: {
        Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
        NewImage: marshall(item, { removeUndefinedValues: true }) as never,
        SequenceNumber: sequence.toString(),
        SizeBytes: 400,
        StreamViewType: 'NEW_IMAGE',
      },
    };
  });
}

/**
 * Stores the records' click items, as the redirect did before the stream delivered them (the aggregator
 * reads a returning visitor's first click by the id, ADR 0015). Not timed by the callers.
 */
export async function storeClicks(ctx: BenchContext, records: readonly DynamoDBRecord[]): Promise<void> {
  await writeItems(
    ctx,
    records.map((r) => unmarshall(r.dynamodb!.NewImage as Record<string, AttributeValue>)),
  );
}

/**
 * The counters the aggregator ends up with, computed in memory from the same pure functions it uses:
 * each click's own increments, plus each visitor's contributions (the aggregator applies them as a
 * chain of before/after deltas per click, which telescopes to contributions(final state) − nothing).
 */
export class CounterFold {
  private readonly entries = new Map<
    string,
    { key: Key; add: Map<string, number>; set: Record<string, string> }
  >();
  clicks = 0;

  constructor(private readonly stageOrder: (journey: string) => JourneyShape | null) {}

  private add(update: CounterUpdate): void {
    const id = itemId(update.key);
    let target = this.entries.get(id);
    if (!target) {
      target = { key: update.key, add: new Map(), set: { ...update.set } };
      this.entries.set(id, target);
    } else {
      // The aggregator SETs these on every update; for one key they never differ in this workload.
      for (const attr in update.set) if (!(attr in target.set)) target.set[attr] = update.set[attr]!;
    }
    for (const attr in update.add) target.add.set(attr, (target.add.get(attr) ?? 0) + update.add[attr]!);
  }

  visitor(clicks: readonly ClickEvent[]): void {
    const state = emptyVisitorState();
    let human = false;
    for (const c of clicks) {
      this.clicks++;
      for (const u of clickCounterUpdates(c)) this.add(u);
      if (c.bot) continue;
      human = true;
      applyClick(state, visitorClickOf(c));
    }
    if (human) for (const u of contributionDelta([], contributions(state, this.stageOrder))) this.add(u);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The items as the aggregator's `SET … ADD …` updates leave them (attributes that net to 0 stay out). */
  toItems(): Record<string, unknown>[] {
    return [...this.entries.values()].map((e) => {
      const add = Object.fromEntries([...e.add].filter(([, n]) => n !== 0));
      return { ...e.set, ...add, ...e.key };
    });
  }
}
