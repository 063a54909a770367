import { type ClickEvent, isMintingClick } from '#clicks/model';
import type { Conversion } from '#conversions/model';
import { contributions, type JourneyShape } from '#journeys/contributions';
import {
  applyClick,
  applyConversion,
  emptyVisitorState,
  type VisitorState,
  visitorClickOf,
  visitorConversionOf,
} from '#journeys/visitor-state';
import { keys, MINTED_VISITOR_ID } from '#shared/keys';
import { itemId } from '#shared/table';
import { type CounterUpdate, clickCounterUpdates, contributionDelta, mergeUpdates } from './counters';

/**
 * The aggregator's plan for one stream batch, pure: what the batch's records change, cut into the
 * transactions that commit it (ADR 0002, 0009). No I/O; aggregate.ts reads what it needs, commits the
 * segments in order and retries from the first one that fails. Unit tested in test/unit/aggregation/plan.test.ts.
 */

/** A raw click from the stream, with where its exactly-once checkpoint is kept. */
export interface ClickRecord {
  kind: 'click';
  seq: string;
  clickPk: string;
  click: ClickEvent;
}

/**
 * A conversion has no checkpoint: the visitor state holds its id, so applying it again changes nothing
 * and adds no counts (exactly once through the state, ADR 0057).
 */
export interface ConversionRecord {
  kind: 'conversion';
  seq: string;
  conversion: Conversion;
}

export type StreamRecord = ClickRecord | ConversionRecord;

export interface StoredVisitor {
  state: VisitorState;
  /** Optimistic-locking version; 0 when the visitor has no item yet. */
  version: number;
  /**
   * The state lacks the click that minted the visitor's id: it was not stored yet when a later click was
   * aggregated (its write failed and awaits replay). Only ever set for minted ids (ADR 0015).
   */
  firstClickMissing: boolean;
}

export interface PlanInput {
  /** The batch's records, in stream order. */
  records: readonly StreamRecord[];
  /** Highest sequence number already aggregated, per raw-click key. */
  checkpoints: ReadonlyMap<string, string>;
  /** Every visitor the records change (version 0 and an empty state when they have no item). */
  visitors: ReadonlyMap<string, StoredVisitor>;
  /** The clicks that minted visitor ids, for visitors without an item (firstClicksWanted). */
  firstClicks: ReadonlyMap<string, ClickEvent>;
  shapeOf: (journey: string) => JourneyShape | null;
  /** Items one transaction may hold. */
  maxItems: number;
}

export interface VisitorWrite {
  id: string;
  state: VisitorState;
  /** The version the stored item must still have (0: it must not exist). */
  expectedVersion: number;
  firstClickMissing: boolean;
}

export interface CheckpointAdvance {
  clickPk: string;
  seq: string;
  /** The value it must still have. */
  previous: string | undefined;
}

/** One transaction: visitor states, checkpoint advances and the merged counter updates, as one delta. */
export interface Segment {
  /** Its first record's sequence number: where a retry resumes. */
  firstSeq: string;
  records: StreamRecord[];
  visitorWrites: VisitorWrite[];
  /** Advances grouped by the checkpoint item that holds them. */
  checkpointItems: CheckpointAdvance[][];
  updates: CounterUpdate[];
}

export interface Plan {
  segments: Segment[];
  /** Click records at or below their checkpoint: counted before (a redelivery). */
  alreadyCounted: number;
}

/** Merged updates of one segment above this many attributes start a new segment (bounds a delta item). */
const MAX_DELTA_ATTRIBUTES = 20_000;

const after = (a: string, b: string | undefined) => b === undefined || BigInt(a) > BigInt(b);

/** The visitor a record changes: a human click's, or a conversion's; none for a bot. */
export function visitorOf(record: StreamRecord): string | undefined {
  if (record.kind === 'conversion') return record.conversion.visitorId;
  return record.click.bot ? undefined : record.click.visitorId;
}

/** Records not counted yet: clicks past their checkpoint, and every conversion. */
export function freshRecords(
  records: readonly StreamRecord[],
  checkpoints: ReadonlyMap<string, string>,
): StreamRecord[] {
  return records.filter((r) => r.kind === 'conversion' || after(r.seq, checkpoints.get(r.clickPk)));
}

/**
 * Minting clicks the batch holds itself (counted before or not), and the ids of minted visitors without
 * an item, changed by `fresh` records, whose minting click must be read (by id, keys.firstClick) before
 * planning.
 */
export function firstClicksWanted(
  records: readonly StreamRecord[],
  fresh: readonly StreamRecord[],
  visitors: ReadonlyMap<string, StoredVisitor>,
): { inBatch: Map<string, ClickEvent>; toRead: string[] } {
  const inBatch = new Map<string, ClickEvent>();
  for (const r of records)
    if (r.kind === 'click' && isMintingClick(r.click)) inBatch.set(r.click.visitorId, r.click);
  const toRead = new Set<string>();
  for (const r of fresh) {
    const id = visitorOf(r);
    if (id !== undefined && !inBatch.has(id) && visitors.get(id)?.version === 0 && MINTED_VISITOR_ID.test(id))
      toRead.add(id);
  }
  return { inBatch, toRead: [...toRead] };
}

/**
 * Where a visitor's journey state starts for this batch. Visitors the redirect minted (ADR 0015) get no
 * state item for their first click: with no item, the state is that first click alone, read by the id
 * (it is also counted when its own record comes, as if on its own). `firstClick`:
 * - `held`: the state includes the click that minted the id (explicitly, or as the implicit start);
 * - `missing`: a minted id whose first click is not stored (its write awaits replay): the state lacks it;
 * - `none`: an id not minted that way (cookieless hashes): every click is in the item.
 */
interface VisitorJourney {
  state: VisitorState;
  firstClick: 'held' | 'missing' | 'none';
}

/** The state of a visitor's first click alone (a bot's leaves it empty). */
export function firstClickState(click: ClickEvent): VisitorState {
  const state = emptyVisitorState();
  if (!click.bot) applyClick(state, visitorClickOf(click));
  return state;
}

function startOf(id: string, stored: StoredVisitor, firstClick: ClickEvent | undefined): VisitorJourney {
  if (!MINTED_VISITOR_ID.test(id)) return { state: stored.state, firstClick: 'none' };
  if (stored.version > 0)
    return { state: stored.state, firstClick: stored.firstClickMissing ? 'missing' : 'held' };
  return firstClick
    ? { state: firstClickState(firstClick), firstClick: 'held' }
    : { state: stored.state, firstClick: 'missing' };
}

interface RecordPlan {
  record: StreamRecord;
  updates: CounterUpdate[];
  /** The visitor's state after this record, when it changed (or now holds the visitor's first click). */
  visitor?: { id: string; state: VisitorState; firstClickMissing: boolean };
}

/** Each fresh record's counter updates, given its visitor's state just before it. */
function planRecords(fresh: readonly StreamRecord[], input: PlanInput): RecordPlan[] {
  const { shapeOf } = input;
  const working = new Map<string, VisitorJourney>();
  return fresh.map((record) => {
    const clickUpdates = record.kind === 'click' ? clickCounterUpdates(record.click) : [];
    const id = visitorOf(record);
    const stored = id === undefined ? undefined : input.visitors.get(id);
    if (id === undefined || stored === undefined) return { record, updates: clickUpdates };
    const before = working.get(id) ?? startOf(id, stored, input.firstClicks.get(id));
    const minting = record.kind === 'click' && isMintingClick(record.click);
    if (record.kind === 'click' && minting && before.firstClick === 'held') {
      // Already part of the state: what it adds is what it adds alone (ADR 0015); no write.
      const own = contributionDelta([], contributions(firstClickState(record.click), shapeOf));
      return { record, updates: [...clickUpdates, ...own] };
    }
    const state = structuredClone(before.state);
    const changed =
      record.kind === 'click'
        ? applyClick(state, visitorClickOf(record.click))
        : applyConversion(state, visitorConversionOf(record.conversion));
    const firstClick = minting ? 'held' : before.firstClick;
    if (!changed && firstClick === before.firstClick) return { record, updates: clickUpdates };
    const delta = contributionDelta(contributions(before.state, shapeOf), contributions(state, shapeOf));
    working.set(id, { state, firstClick });
    return {
      record,
      updates: [...clickUpdates, ...delta],
      visitor: { id, state, firstClickMissing: firstClick === 'missing' },
    };
  });
}

/** The items a record's part of a transaction writes (the delta item is extra). */
function itemsOf(plan: RecordPlan): string[] {
  const items = plan.record.kind === 'click' ? [itemId(keys.checkpoint(plan.record.clickPk).key)] : [];
  if (plan.visitor) {
    items.push(itemId(keys.visitor(plan.visitor.id)));
    const first = plan.visitor.firstClickMissing ? keys.firstClick(plan.visitor.id) : undefined;
    if (first) items.push(itemId(first.key));
  }
  return items;
}

/**
 * Cuts the plans, in stream order, into segments whose transaction fits: one item per visitor it
 * changes, one checkpoint item per raw-click hour, and the delta. Usually the whole batch is one.
 */
function cut(plans: RecordPlan[], maxItems: number): RecordPlan[][] {
  const segments: RecordPlan[][] = [];
  let current: RecordPlan[] = [];
  let items = new Set<string>();
  let attributes = 0;
  for (const plan of plans) {
    const needed = itemsOf(plan);
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

/**
 * Plans a batch: which records are new, what each changes, and the transactions that commit them. Each
 * segment's conditions assume the segments before it committed (visitor versions and checkpoint values
 * carry over), which is the order aggregate.ts commits them in.
 */
export function planBatch(input: PlanInput): Plan {
  const fresh = freshRecords(input.records, input.checkpoints);
  const plans = planRecords(fresh, input);
  const versions = new Map<string, number>();
  const checkpoints = new Map(input.checkpoints);
  const segments: Segment[] = [];
  for (const part of cut(plans, input.maxItems)) {
    const first = part[0];
    if (!first) continue;
    const lastSeq = new Map<string, string>();
    const states = new Map<string, NonNullable<RecordPlan['visitor']>>();
    for (const plan of part) {
      if (plan.record.kind === 'click') lastSeq.set(plan.record.clickPk, plan.record.seq);
      if (plan.visitor) states.set(plan.visitor.id, plan.visitor);
    }
    const byCheckpointItem = new Map<string, CheckpointAdvance[]>();
    for (const [clickPk, seq] of lastSeq) {
      const item = itemId(keys.checkpoint(clickPk).key);
      byCheckpointItem.set(item, [
        ...(byCheckpointItem.get(item) ?? []),
        { clickPk, seq, previous: checkpoints.get(clickPk) },
      ]);
      checkpoints.set(clickPk, seq);
    }
    const visitorWrites = [...states.values()].map(({ id, state, firstClickMissing }) => {
      const expectedVersion = versions.get(id) ?? input.visitors.get(id)?.version ?? 0;
      versions.set(id, expectedVersion + 1);
      return { id, state, expectedVersion, firstClickMissing };
    });
    segments.push({
      firstSeq: first.record.seq,
      records: part.map((p) => p.record),
      visitorWrites,
      checkpointItems: [...byCheckpointItem.values()],
      updates: [...mergeUpdates(part.flatMap((p) => p.updates)).values()],
    });
  }
  return { segments, alreadyCounted: input.records.length - fresh.length };
}
