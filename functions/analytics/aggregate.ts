import { createHash } from 'node:crypto';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { ClickEvent } from '../clicks/model';
import { applyClick, contributions, type VisitorState } from '../journeys/visitor-state';
import { keys } from '../shared/keys';
import { log } from '../shared/log';
import { type CounterUpdate, clickCounterUpdates, contributionDelta, itemId, mergeUpdates } from './counters';
import { enforceClickLimits } from './limits';
import {
  checkpointWrite,
  commit,
  counterWrite,
  type PendingDeltas,
  putVisitor,
  readCheckpoints,
  readVisitors,
} from './repository';
import { stageOrders } from './stage-orders';

/** DynamoDB allows 100 actions per TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
/** `#aN :aN, ` is ~13 bytes: 200 attributes keep one update expression under ~2.6 KB of the 4 KB limit. */
const MAX_ATTRIBUTES_PER_UPDATE = 200;
/** Conflicts with a concurrent shard (same counter or visitor item) are retried here before Lambda's retry. */
const IN_HANDLER_ATTEMPTS = 4;

interface ParsedClick {
  seq: string;
  clickPk: string;
  click: ClickEvent;
}

interface RecordPlan {
  parsed: ParsedClick;
  updates: CounterUpdate[];
  /** Counter items and checkpoint this record's transaction needs. */
  itemIds: Set<string>;
}

function idsOf(base: Set<string>, updates: CounterUpdate[]): Set<string> {
  return new Set([...base, ...updates.map((u) => itemId(u.key))]);
}

function addAttributes(target: Map<string, Set<string>>, updates: CounterUpdate[]): void {
  for (const u of updates) {
    const names = target.get(itemId(u.key)) ?? new Set<string>();
    for (const name of Object.keys(u.add)) names.add(name);
    target.set(itemId(u.key), names);
  }
}

/** Stream records live 24 h; a pending delta older than this can never be redelivered. */
const PENDING_TTL_MS = 2 * 86_400_000;

/** Bounds a visitor item: a shared id (a cookieless office, a crawler isbot misses) must not grow it. */
const MAX_PENDING = 50;

/**
 * Drops pending deltas whose clicks are counted (checkpoint passed them) or can no longer come back,
 * and keeps at most MAX_PENDING of the newest: past that, a click of an abnormally busy visitor that is
 * redelivered after a failed counter phase loses its funnel facts (its click is still counted).
 */
function prunePending(pending: PendingDeltas, checkpoints: Map<string, string>, now: number): PendingDeltas {
  const kept = Object.entries(pending).filter(([key, entry]) => {
    const [clickPk, seq] = key.split('|') as [string, string];
    const counted = !after(seq, checkpoints.get(clickPk));
    return !counted && now - entry.t < PENDING_TTL_MS;
  });
  kept.sort((a, b) => b[1].t - a[1].t);
  return Object.fromEntries(kept.slice(0, MAX_PENDING));
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

export interface AggregateStats {
  records: number;
  applied: number;
  skippedAlreadyCounted: number;
  transactions: number;
  counterWrites: number;
  visitorWrites: number;
  checkpointWrites: number;
}

function parse(records: DynamoDBRecord[]): ParsedClick[] {
  const out: ParsedClick[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    const seq = record.dynamodb?.SequenceNumber;
    if (record.eventName !== 'INSERT' || !image || !seq) continue;
    const item = unmarshall(image as never);
    if (item.entity !== 'click' || !keys.isClickPk(item.pk)) continue;
    const { pk, sk: _sk, entity: _e, ttl: _ttl, ...click } = item;
    out.push({ seq, clickPk: pk, click: click as ClickEvent });
  }
  return out;
}

const after = (a: string, b: string | undefined) => b === undefined || BigInt(a) > BigInt(b);

function tokenFor(items: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(items)).digest('hex').slice(0, 36);
}

/**
 * The stream consumer's core. Exactly once under redelivery: every raw-click partition key has a
 * checkpoint (the highest stream sequence number aggregated from it), updated in the same transaction
 * as the counters it accounts for. A record at or below its checkpoint is skipped; a transaction
 * whose checkpoint or visitor version moved meanwhile is cancelled as a whole and retried.
 * Counters are merged per item, so each counter item is written once per transaction.
 */
export async function aggregateRecords(
  records: DynamoDBRecord[],
  options: AggregateOptions = {},
): Promise<DynamoDBBatchResponse & { stats: AggregateStats }> {
  let remaining = records;
  let total: AggregateStats | undefined;
  for (let attempt = 1; ; attempt++) {
    const result = await aggregateOnce(remaining, options);
    total = total ? addStats(total, result.stats) : result.stats;
    const failed = result.batchItemFailures[0]?.itemIdentifier;
    if (!failed || attempt >= IN_HANDLER_ATTEMPTS)
      return { batchItemFailures: result.batchItemFailures, stats: total };
    // Resume at the failed record: checkpoints and visitor versions are read again, so a conflict with
    // a concurrent shard usually clears on the next attempt.
    remaining = remaining.slice(
      Math.max(
        0,
        remaining.findIndex((r) => r.dynamodb?.SequenceNumber === failed),
      ),
    );
    await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
  }
}

export interface AggregateOptions {
  now?: number;
  maxTransactionItems?: number;
}

function addStats(a: AggregateStats, b: AggregateStats): AggregateStats {
  return {
    records: a.records,
    applied: a.applied + b.applied,
    skippedAlreadyCounted: a.skippedAlreadyCounted + b.skippedAlreadyCounted,
    transactions: a.transactions + b.transactions,
    counterWrites: a.counterWrites + b.counterWrites,
    visitorWrites: a.visitorWrites + b.visitorWrites,
    checkpointWrites: a.checkpointWrites + b.checkpointWrites,
  };
}

async function aggregateOnce(
  records: DynamoDBRecord[],
  options: AggregateOptions,
): Promise<DynamoDBBatchResponse & { stats: AggregateStats }> {
  const now = options.now ?? Date.now();
  const maxItems = options.maxTransactionItems ?? MAX_TRANSACTION_ITEMS;
  const stats: AggregateStats = {
    records: records.length,
    applied: 0,
    skippedAlreadyCounted: 0,
    transactions: 0,
    counterWrites: 0,
    visitorWrites: 0,
    checkpointWrites: 0,
  };
  const parsed = parse(records);
  if (parsed.length === 0) return { batchItemFailures: [], stats };

  const checkpoints = await readCheckpoints([...new Set(parsed.map((p) => p.clickPk))]);
  const fresh = parsed.filter((p) => after(p.seq, checkpoints.get(p.clickPk)));
  stats.skippedAlreadyCounted = parsed.length - fresh.length;
  if (fresh.length === 0) return { batchItemFailures: [], stats };

  const humans = fresh.filter((p) => !p.click.bot);
  const visitors = await readVisitors([...new Set(humans.map((p) => p.click.visitorId))]);
  const orders = await stageOrders([...new Set(humans.map((p) => p.click.journey))]);
  const orderOf = (journey: string) => orders.get(journey) ?? null;

  // Plan each record: its counter updates, given the visitor's state just before it. A click whose
  // visitor phase already committed (its deltas are in the visitor's `pending`) reuses those deltas:
  // the state already contains it, so recomputing would find nothing new.
  const working = new Map<string, VisitorState>();
  const newPending = new Map<string, PendingDeltas>();
  const plans: RecordPlan[] = fresh.map((p) => {
    const clickUpdates = clickCounterUpdates(p.click);
    const base = new Set([...clickUpdates.map((u) => itemId(u.key)), itemId(keys.checkpoint(p.clickPk))]);
    if (p.click.bot) return { parsed: p, updates: clickUpdates, itemIds: base };
    const vid = p.click.visitorId;
    const stored = visitors.get(vid)!;
    const pendingKey = `${p.clickPk}|${p.seq}`;
    const already = stored.pending[pendingKey];
    if (already) {
      return { parsed: p, updates: [...clickUpdates, ...already.u], itemIds: idsOf(base, already.u) };
    }
    const before = working.get(vid) ?? stored.state;
    const visitorAfter = structuredClone(before);
    applyClick(visitorAfter, {
      at: Date.parse(p.click.at),
      linkId: p.click.linkId,
      journey: p.click.journey,
      stage: p.click.stage,
      touchpoint: p.click.touchpoint,
    });
    const delta = contributionDelta(contributions(before, orderOf), contributions(visitorAfter, orderOf));
    const itemIds = idsOf(base, delta);
    if (itemIds.size > maxItems) {
      // A pathological visitor (a shared cookieless id, an undetected crawler) whose one click would move
      // more counters than a transaction holds: count the click, leave its journey state as it was,
      // rather than poison the batch forever.
      log.warn('visitor_state_skipped', { visitorId: vid, items: itemIds.size, clickId: p.click.id });
      return { parsed: p, updates: clickUpdates, itemIds: base };
    }
    working.set(vid, visitorAfter);
    const pending = newPending.get(vid) ?? {};
    pending[pendingKey] = { t: now, u: delta };
    newPending.set(vid, pending);
    return { parsed: p, updates: [...clickUpdates, ...delta], itemIds };
  });

  // Phase 1, visitors: each changed visitor state is written with the counter deltas it implies
  // (`pending`), conditioned on its version. Nothing is counted yet; if a write loses a race, the
  // batch is retried from its start and the winners' clicks reuse their pending deltas.
  const visitorIds = [...working.keys()];
  const written = await mapLimited(visitorIds, 16, (vid) => {
    const stored = visitors.get(vid)!;
    const pending = prunePending({ ...stored.pending, ...newPending.get(vid) }, checkpoints, now);
    return putVisitor(vid, working.get(vid)!, pending, stored.version);
  });
  stats.visitorWrites += written.filter(Boolean).length;
  if (written.some((ok) => !ok)) {
    log.warn('aggregate_visitor_conflict', { visitors: written.filter((ok) => !ok).length });
    return { batchItemFailures: [{ itemIdentifier: fresh[0]!.seq }], stats };
  }

  // Phase 2, counters: merged over the whole batch and committed with the checkpoints of the clicks
  // they count. A batch is cut into several transactions, in stream order, only when it touches more
  // than `maxItems` items, or a counter item would take too many attributes for one update expression.
  const chunks: RecordPlan[][] = [];
  let current: RecordPlan[] = [];
  let currentIds = new Set<string>();
  let attributes = new Map<string, Set<string>>();
  for (const plan of plans) {
    const union = new Set([...currentIds, ...plan.itemIds]);
    const widened = new Map([...attributes].map(([id, names]) => [id, new Set(names)]));
    addAttributes(widened, plan.updates);
    const tooWide = [...widened.values()].some((names) => names.size > MAX_ATTRIBUTES_PER_UPDATE);
    if (current.length > 0 && (union.size > maxItems || tooWide)) {
      chunks.push(current);
      current = [];
      currentIds = new Set(plan.itemIds);
      attributes = new Map();
      addAttributes(attributes, plan.updates);
    } else {
      currentIds = union;
      attributes = widened;
    }
    current.push(plan);
  }
  if (current.length) chunks.push(current);

  for (const chunk of chunks) {
    const counters = mergeUpdates(chunk.flatMap((p) => p.updates));
    const lastSeq = new Map<string, string>();
    for (const plan of chunk) lastSeq.set(plan.parsed.clickPk, plan.parsed.seq);
    const items = [
      ...[...counters.values()].map(counterWrite),
      ...[...lastSeq].map(([pk, seq]) => checkpointWrite(pk, seq, checkpoints.get(pk), now)),
    ];
    try {
      await commit(items, tokenFor(items));
    } catch (err) {
      log.warn('aggregate_chunk_failed', {
        error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        firstSequenceNumber: chunk[0]!.parsed.seq,
        records: chunk.length,
      });
      // Lambda retries from this record on; everything before it is committed and checkpointed.
      return { batchItemFailures: [{ itemIdentifier: chunk[0]!.parsed.seq }], stats };
    }
    stats.transactions++;
    stats.counterWrites += counters.size;
    stats.checkpointWrites += lastSeq.size;
    stats.applied += chunk.length;
    for (const [pk, seq] of lastSeq) checkpoints.set(pk, seq);
  }

  try {
    await enforceClickLimits(fresh.map((p) => p.click));
  } catch (err) {
    // The counters are committed; a failed limit check must not make Lambda redeliver the batch.
    log.error('click_limit_check_failed', { error: err instanceof Error ? err.message : String(err) });
  }
  return { batchItemFailures: [], stats };
}
