import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { ClickEvent } from '../clicks/model';
import { applyClick, contributions, type VisitorState } from '../journeys/visitor-state';
import { DELTA_SLOTS, keys } from '../shared/keys';
import { log } from '../shared/log';
import {
  type ApplyStats,
  applyDeltas,
  emptyApplyStats,
  MAX_TRANSACTION_ITEMS,
  notePending,
  slotsDue,
} from './apply-deltas';
import { type CounterUpdate, clickCounterUpdates, contributionDelta, itemId, mergeUpdates } from './counters';
import { deltaWrite } from './delta-repository';
import { enforceClickLimits } from './limits';
import {
  checkpointWrite,
  commit,
  readCheckpoints,
  readVisitors,
  unseenVisitor,
  visitorWrite,
} from './repository';
import { stageOrders } from './stage-orders';

/** Conflicts with a concurrent shard (same visitor or checkpoint item) are retried here before Lambda's retry. */
const IN_HANDLER_ATTEMPTS = 4;
/** Merged updates of one segment above this many attributes start a new segment (bounds a delta item). */
const MAX_DELTA_ATTRIBUTES = 20_000;

interface ParsedClick {
  seq: string;
  clickPk: string;
  click: ClickEvent;
}

interface RecordPlan {
  parsed: ParsedClick;
  updates: CounterUpdate[];
  /** The visitor's state after this click, when it changed. */
  visitor?: { id: string; state: VisitorState };
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
    // Visitors the redirect minted are taken as new on the first attempt only (see aggregateOnce).
    const failed = await aggregateOnce(remaining, { ...options, now }, stats, clicks, attempt === 1);
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
  const due = slotsDue(records.length, now, options.batchSize);
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

/** Aggregates what is new in `records`; returns the sequence number to retry from, if a segment failed. */
async function aggregateOnce(
  records: DynamoDBRecord[],
  options: AggregateOptions & { now: number },
  stats: AggregateStats,
  clicks: ClickEvent[],
  trustNewVisitors: boolean,
): Promise<string | undefined> {
  const maxItems = options.maxTransactionItems ?? MAX_TRANSACTION_ITEMS;
  const parsed = parse(records);
  if (parsed.length === 0) return undefined;

  // Read together (one round trip instead of three); on a redelivery this reads a few visitors whose
  // clicks turn out to be counted already, which costs less than waiting for the checkpoints first.
  const humans = parsed.filter((p) => !p.click.bot);
  // A visitor whose id the redirect minted with one of these clicks has no state to read: about half of
  // all clicks on marketing links are a visitor's first (docs/benchmarks.md, figure 6). Should a state
  // exist after all (a later click of theirs aggregated first, from another shard), its write's
  // condition cancels the segment and the retry reads every visitor.
  const minted = new Set(
    trustNewVisitors ? humans.filter((p) => p.click.newVisitor).map((p) => p.click.visitorId) : [],
  );
  const [checkpoints, visitors, orders] = await Promise.all([
    readCheckpoints([...new Set(parsed.map((p) => p.clickPk))]),
    readVisitors([...new Set(humans.map((p) => p.click.visitorId))].filter((id) => !minted.has(id))),
    stageOrders([...new Set(humans.map((p) => p.click.journey))]),
  ]);
  for (const id of minted) visitors.set(id, unseenVisitor());
  const orderOf = (journey: string) => orders.get(journey) ?? null;
  const fresh = parsed.filter((p) => after(p.seq, checkpoints.get(p.clickPk)));
  stats.skippedAlreadyCounted += parsed.length - fresh.length;
  if (fresh.length === 0) return undefined;

  // Plan each record: its counter updates, given the visitor's state just before it.
  const working = new Map<string, VisitorState>();
  const plans: RecordPlan[] = fresh.map((p) => {
    const clickUpdates = clickCounterUpdates(p.click);
    if (p.click.bot) return { parsed: p, updates: clickUpdates };
    const id = p.click.visitorId;
    const before = working.get(id) ?? visitors.get(id)!.state;
    const state = structuredClone(before);
    applyClick(state, {
      at: Date.parse(p.click.at),
      linkId: p.click.linkId,
      journey: p.click.journey,
      stage: p.click.stage,
      touchpoint: p.click.touchpoint,
    });
    const delta = contributionDelta(contributions(before, orderOf), contributions(state, orderOf));
    if (delta.length === 0 && JSON.stringify(state) === JSON.stringify(before)) {
      return { parsed: p, updates: clickUpdates };
    }
    working.set(id, state);
    return { parsed: p, updates: [...clickUpdates, ...delta], visitor: { id, state } };
  });

  for (const segment of segmentsOf(plans, maxItems)) {
    const lastSeq = new Map<string, string>();
    const states = new Map<string, VisitorState>();
    for (const plan of segment) {
      lastSeq.set(plan.parsed.clickPk, plan.parsed.seq);
      if (plan.visitor) states.set(plan.visitor.id, plan.visitor.state);
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
      ...[...states].map(([id, state]) => visitorWrite(id, state, visitors.get(id)!.version)),
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
    clicks.push(...segment.map((p) => p.parsed.click));
    for (const [clickPk, seq] of lastSeq) checkpoints.set(clickPk, seq);
    for (const [id, state] of states) visitors.set(id, { state, version: visitors.get(id)!.version + 1 });
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
    const needed = [itemId(keys.checkpoint(plan.parsed.clickPk).key)];
    if (plan.visitor) needed.push(itemId(keys.visitor(plan.visitor.id)));
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
