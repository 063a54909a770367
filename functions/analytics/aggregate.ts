import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { type ClickEvent, isMintingClick } from '#clicks/model';
import { clickFromItem } from '#clicks/repository';
import type { Conversion } from '#conversions/model';
import { conversionFromItem } from '#conversions/repository';
import {
  applyClick,
  applyConversion,
  contributions,
  emptyVisitorState,
  type VisitorState,
  visitorClickOf,
  visitorConversionOf,
} from '#journeys/visitor-state';
import { DELTA_SLOTS, keys, MINTED_VISITOR_ID } from '#shared/keys';
import { log } from '#shared/log';
import {
  ALL_DELTA_SLOTS,
  type ApplyStats,
  applyDeltas,
  emptyApplyStats,
  MAX_TRANSACTION_ITEMS,
  notePending,
  slotsDue,
} from './apply-deltas';
import { type CounterUpdate, clickCounterUpdates, contributionDelta, itemId, mergeUpdates } from './counters';
import { deltaWrite } from './delta-repository';
import { journeyShapes } from './journey-shapes';
import { enforceClickLimits } from './limits';
import {
  checkpointWrite,
  commit,
  firstClickStillAbsent,
  readCheckpoints,
  readFirstClicks,
  readVisitors,
  type StoredVisitor,
  visitorWrite,
} from './repository';

/** Conflicts with a concurrent shard (same visitor or checkpoint item) are retried here before Lambda's retry. */
const IN_HANDLER_ATTEMPTS = 4;
/** Merged updates of one segment above this many attributes start a new segment (bounds a delta item). */
const MAX_DELTA_ATTRIBUTES = 20_000;

interface ParsedClick {
  kind: 'click';
  seq: string;
  clickPk: string;
  click: ClickEvent;
}

/**
 * A conversion has no checkpoint: the visitor state holds its id, so applying it again changes nothing
 * and adds no counts (exactly once through the state, ADR 0057).
 */
interface ParsedConversion {
  kind: 'conversion';
  seq: string;
  conversion: Conversion;
}

type ParsedRecord = ParsedClick | ParsedConversion;

interface RecordPlan {
  parsed: ParsedRecord;
  updates: CounterUpdate[];
  /** The visitor's state after this click, when it changed (or now holds the visitor's first click). */
  visitor?: { id: string; state: VisitorState; firstClickMissing: boolean };
}

export interface AggregateStats extends ApplyStats {
  records: number;
  /** Clicks aggregated into visitor states and pending deltas by this invocation. */
  applied: number;
  skippedAlreadyCounted: number;
  /** Transactions of the batch itself (visitors, checkpoints, delta); applying deltas counts its own. */
  segments: number;
  visitorWrites: number;
  checkpointWrites: number;
  deltaWrites: number;
}

function parse(records: DynamoDBRecord[]): ParsedRecord[] {
  const out: ParsedRecord[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    const seq = record.dynamodb?.SequenceNumber;
    if (record.eventName !== 'INSERT' || !image || !seq) continue;
    const item = unmarshall(image as never);
    if (item.entity === 'click' && keys.isClickPk(item.pk))
      out.push({ kind: 'click', seq, clickPk: item.pk, click: clickFromItem(item) });
    else if (item.entity === 'conversion' && keys.isConversionPk(item.pk))
      out.push({ kind: 'conversion', seq, conversion: conversionFromItem(item) });
  }
  return out;
}

/** The visitor a record changes: a human click's, or a conversion's; none for a bot. */
function visitorOf(p: ParsedRecord): string | undefined {
  if (p.kind === 'conversion') return p.conversion.visitorId;
  return p.click.bot ? undefined : p.click.visitorId;
}

const after = (a: string, b: string | undefined) => b === undefined || BigInt(a) > BigInt(b);

/** A delta slot for a segment: a hash of its first sequence number (they may be consecutive numbers). */
function slotOf(sequenceNumber: string): number {
  let h = 2166136261;
  for (let i = 0; i < sequenceNumber.length; i++) h = Math.imul(h ^ sequenceNumber.charCodeAt(i), 16777619);
  return (h >>> 0) % DELTA_SLOTS;
}

export interface AggregateOptions {
  now?: number;
  maxTransactionItems?: number;
  /** The event source mapping's batch size (default AGGREGATE_BATCH_SIZE): a smaller batch means caught up. */
  batchSize?: number;
  /** Epoch ms after which no more deltas are applied in this invocation (Lambda's remaining time). */
  deadline?: number;
}

/**
 * The stream consumer's core, in two steps (ADR 0009).
 *
 * 1. Aggregate: per segment of the batch (usually the whole batch), one transaction writes the changed
 *    visitor states (conditioned on their versions), advances the checkpoints of the raw-click keys it
 *    consumed (conditioned on their previous values) and stores the segment's merged counter updates as
 *    one pending delta. Exactly once under redelivery: a record at or below its checkpoint is skipped,
 *    and a transaction whose checkpoint or visitor moved meanwhile is cancelled as a whole and retried.
 * 2. Apply: pending deltas are merged and applied to the counters (apply-deltas.ts) — at once when the
 *    stream is caught up, otherwise once enough clicks or time have accumulated, so a busy counter item
 *    is written once per thousand clicks rather than once per batch.
 */
export async function aggregateRecords(
  records: DynamoDBRecord[],
  options: AggregateOptions = {},
): Promise<DynamoDBBatchResponse & { stats: AggregateStats }> {
  const now = options.now ?? Date.now();
  let remaining = records;
  const stats: AggregateStats = {
    ...emptyApplyStats(),
    records: records.length,
    applied: 0,
    skippedAlreadyCounted: 0,
    segments: 0,
    visitorWrites: 0,
    checkpointWrites: 0,
    deltaWrites: 0,
  };
  const clicks: ClickEvent[] = [];
  for (let attempt = 1; ; attempt++) {
    const failed = await aggregateOnce(remaining, { ...options, now }, stats, clicks);
    if (!failed) break;
    if (attempt >= IN_HANDLER_ATTEMPTS) return { batchItemFailures: [{ itemIdentifier: failed }], stats };
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

  // The batch is committed: a failure from here on must not make Lambda redeliver it (its records
  // would be skipped anyway); pending deltas wait for the next run.
  // A link with a click limit must close on time, so a batch with a click on one applies everything at
  // once (those links pay the per-batch writes; they are few). Everything else waits for slotsDue.
  const limited = clicks.some((c) => c.maxClicks !== null && c.maxClicks !== undefined && !c.bot);
  const due = limited ? ALL_DELTA_SLOTS : slotsDue(now);
  if (due.length > 0) {
    const applied = await applyDeltas(due, {
      maxTransactionItems: options.maxTransactionItems,
      deadline: options.deadline,
    });
    for (const k of Object.keys(applied) as Array<keyof ApplyStats>) stats[k] += applied[k];
    try {
      await enforceClickLimits(clicks);
    } catch (err) {
      log.error('click_limit_check_failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { batchItemFailures: [], stats };
}

/**
 * Where a visitor's journey state starts for this batch. Visitors the redirect minted (ADR 0015) get no
 * state item for their first click: with no item, the state is that first click alone, read by the id
 * (it is also counted when its own record comes, as if on its own). `firstClick`:
 * - `held`: the state includes the click that minted the id (explicitly, or as the implicit start);
 * - `missing`: a minted id whose first click is not stored (its write awaits replay): the state lacks it;
 * - `none`: an id not minted that way (older cookies, cookieless hashes): every click is in the item.
 */
interface VisitorJourney {
  state: VisitorState;
  firstClick: 'held' | 'missing' | 'none';
}

/** The state of a visitor's first click alone (a bot's leaves it empty). */
function firstClickState(click: ClickEvent): VisitorState {
  const state = emptyVisitorState();
  if (!click.bot) applyClick(state, visitorClickOf(click));
  return state;
}

/**
 * The minting clicks of visitors with no state item who click in `fresh`: from the batch itself, or
 * read by their ids (one BatchGetItem for those not in the batch).
 */
async function firstClicksOf(
  parsed: ParsedRecord[],
  fresh: ParsedRecord[],
  visitors: Map<string, StoredVisitor>,
): Promise<Map<string, ClickEvent>> {
  const found = new Map<string, ClickEvent>();
  for (const p of parsed)
    if (p.kind === 'click' && isMintingClick(p.click)) found.set(p.click.visitorId, p.click);
  const wanted = new Set<string>();
  for (const p of fresh) {
    const id = visitorOf(p);
    if (id !== undefined && !found.has(id) && visitors.get(id)?.version === 0 && MINTED_VISITOR_ID.test(id))
      wanted.add(id);
  }
  if (wanted.size > 0) for (const [id, click] of await readFirstClicks([...wanted])) found.set(id, click);
  return found;
}

/** Aggregates what is new in `records`; returns the sequence number to retry from, if a segment failed. */
async function aggregateOnce(
  records: DynamoDBRecord[],
  options: AggregateOptions & { now: number },
  stats: AggregateStats,
  clicks: ClickEvent[],
): Promise<string | undefined> {
  const maxItems = options.maxTransactionItems ?? MAX_TRANSACTION_ITEMS;
  const parsed = parse(records);
  if (parsed.length === 0) return undefined;

  // Read together (one round trip instead of three); on a redelivery this reads a few visitors whose
  // clicks turn out to be counted already, which costs less than waiting for the checkpoints first.
  const clickRecords = parsed.filter((p): p is ParsedClick => p.kind === 'click');
  const humanJourneys = clickRecords.filter((p) => !p.click.bot).map((p) => p.click.journey);
  const [checkpoints, visitors, shapes] = await Promise.all([
    readCheckpoints([...new Set(clickRecords.map((p) => p.clickPk))]),
    readVisitors([...new Set(parsed.map(visitorOf).filter((id) => id !== undefined))]),
    journeyShapes([...new Set(humanJourneys)]),
  ]);
  const fresh = parsed.filter((p) => p.kind === 'conversion' || after(p.seq, checkpoints.get(p.clickPk)));
  stats.skippedAlreadyCounted += parsed.length - fresh.length;
  if (fresh.length === 0) return undefined;
  const firstClicks = await firstClicksOf(parsed, fresh, visitors);
  // A conversion is credited across every journey its visitor touched, not only those in the batch.
  const touched = fresh.flatMap((p) => {
    if (p.kind === 'click') return [];
    const id = p.conversion.visitorId;
    const first = firstClicks.get(id);
    return [...Object.keys(visitors.get(id)?.state.journeys ?? {}), ...(first ? [first.journey] : [])];
  });
  for (const [name, shape] of await journeyShapes([...new Set(touched)].filter((j) => !shapes.has(j))))
    shapes.set(name, shape);
  const shapeOf = (journey: string) => shapes.get(journey) ?? null;

  const working = new Map<string, VisitorJourney>();
  const journeyOf = (id: string): VisitorJourney => {
    const planned = working.get(id);
    if (planned) return planned;
    const stored = visitors.get(id)!;
    if (!MINTED_VISITOR_ID.test(id)) return { state: stored.state, firstClick: 'none' };
    if (stored.version > 0)
      return { state: stored.state, firstClick: stored.firstClickMissing ? 'missing' : 'held' };
    const first = firstClicks.get(id);
    return first
      ? { state: firstClickState(first), firstClick: 'held' }
      : { state: stored.state, firstClick: 'missing' };
  };

  // Plan each record: its counter updates, given the visitor's state just before it.
  const plans: RecordPlan[] = fresh.map((p) => {
    const clickUpdates = p.kind === 'click' ? clickCounterUpdates(p.click) : [];
    const id = visitorOf(p);
    if (id === undefined) return { parsed: p, updates: clickUpdates };
    const before = journeyOf(id);
    const minting = p.kind === 'click' && isMintingClick(p.click);
    if (p.kind === 'click' && minting && before.firstClick === 'held') {
      // Already part of the state: what it adds is what it adds alone (ADR 0015); no write.
      const own = contributionDelta([], contributions(firstClickState(p.click), shapeOf));
      return { parsed: p, updates: [...clickUpdates, ...own] };
    }
    const state = structuredClone(before.state);
    if (p.kind === 'click') applyClick(state, visitorClickOf(p.click));
    else applyConversion(state, visitorConversionOf(p.conversion));
    const firstClick = minting ? 'held' : before.firstClick;
    const delta = contributionDelta(contributions(before.state, shapeOf), contributions(state, shapeOf));
    if (
      delta.length === 0 &&
      firstClick === before.firstClick &&
      JSON.stringify(state) === JSON.stringify(before.state)
    ) {
      return { parsed: p, updates: clickUpdates };
    }
    working.set(id, { state, firstClick });
    return {
      parsed: p,
      updates: [...clickUpdates, ...delta],
      visitor: { id, state, firstClickMissing: firstClick === 'missing' },
    };
  });

  for (const segment of segmentsOf(plans, maxItems)) {
    const lastSeq = new Map<string, string>();
    const states = new Map<string, NonNullable<RecordPlan['visitor']>>();
    for (const plan of segment) {
      if (plan.parsed.kind === 'click') lastSeq.set(plan.parsed.clickPk, plan.parsed.seq);
      if (plan.visitor) states.set(plan.visitor.id, plan.visitor);
    }
    const byCheckpointItem = new Map<
      string,
      Array<{ clickPk: string; seq: string; previous: string | undefined }>
    >();
    for (const [clickPk, seq] of lastSeq) {
      const checkpointId = itemId(keys.checkpoint(clickPk).key);
      byCheckpointItem.set(checkpointId, [
        ...(byCheckpointItem.get(checkpointId) ?? []),
        { clickPk, seq, previous: checkpoints.get(clickPk) },
      ]);
    }
    const first = segment[0]!.parsed.seq;
    const slot = slotOf(first);
    const items = [
      ...[...states.values()].flatMap(({ id, state, firstClickMissing }) => {
        const version = visitors.get(id)!.version;
        const write = visitorWrite(id, state, version, firstClickMissing);
        // A first state without the first click: only while that click is still not stored.
        return firstClickMissing && version === 0 ? [write, firstClickStillAbsent(id)] : [write];
      }),
      ...[...byCheckpointItem.values()].map((advances) => checkpointWrite(advances, options.now)),
      deltaWrite(
        keys.delta(slot, options.now, first),
        [...mergeUpdates(segment.flatMap((p) => p.updates)).values()],
        segment.length,
        options.now,
      ),
    ];
    try {
      await commit(items);
    } catch (err) {
      log.warn('aggregate_segment_failed', {
        error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        firstSequenceNumber: first,
        records: segment.length,
      });
      // Retried from this record on; everything before it is committed and checkpointed.
      return first;
    }
    stats.segments++;
    stats.visitorWrites += states.size;
    stats.checkpointWrites += byCheckpointItem.size;
    stats.deltaWrites++;
    stats.applied += segment.length;
    notePending(slot, segment.length, options.now);
    for (const { parsed } of segment) if (parsed.kind === 'click') clicks.push(parsed.click);
    for (const [clickPk, seq] of lastSeq) checkpoints.set(clickPk, seq);
    for (const { id, state, firstClickMissing } of states.values()) {
      visitors.set(id, { state, version: visitors.get(id)!.version + 1, firstClickMissing });
    }
  }
  return undefined;
}

/**
 * Cuts the batch, in stream order, into segments whose transaction fits: one item per visitor it
 * changes, one checkpoint item per raw-click hour, and the delta. Usually the whole batch is one.
 */
function segmentsOf(plans: RecordPlan[], maxItems: number): RecordPlan[][] {
  const segments: RecordPlan[][] = [];
  let current: RecordPlan[] = [];
  let items = new Set<string>();
  let attributes = 0;
  for (const plan of plans) {
    const needed = plan.parsed.kind === 'click' ? [itemId(keys.checkpoint(plan.parsed.clickPk).key)] : [];
    if (plan.visitor) needed.push(itemId(keys.visitor(plan.visitor.id)));
    if (plan.visitor?.firstClickMissing) needed.push(itemId(keys.firstClick(plan.visitor.id)!.key));
    const widened = new Set([...items, ...needed]);
    const planAttributes = plan.updates.reduce((n, u) => n + Object.keys(u.add).length, 0);
    if (
      current.length > 0 &&
      (widened.size + 1 > maxItems || attributes + planAttributes > MAX_DELTA_ATTRIBUTES)
    ) {
      segments.push(current);
      current = [];
      items = new Set(needed);
      attributes = 0;
    } else {
      items = widened;
    }
    current.push(plan);
    attributes += planAttributes;
  }
  if (current.length) segments.push(current);
  return segments;
}
