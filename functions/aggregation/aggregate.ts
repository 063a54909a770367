import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { ClickEvent } from '#clicks/model';
import { clickFromItem } from '#clicks/repository';
import { storedClickProblem } from '#clicks/stored-click';
import { conversionFromItem } from '#conversions/repository';
import { DELTA_SLOTS, keys } from '#shared/keys';
import { log } from '#shared/log';
import { recordMetric } from '#shared/metrics';
import { commit, type TransactItem } from '#shared/table';
import { deltaWrite } from './delta-repository';
import { journeyShapes } from './journey-shapes';
import { enforceClickLimits } from './limits';
import {
  type ClickRecord,
  firstClicksWanted,
  freshRecords,
  planBatch,
  type Segment,
  type StreamRecord,
  visitorOf,
} from './plan';
import {
  checkpointWrite,
  firstClickStillAbsent,
  readCheckpoints,
  readFirstClicks,
  readVisitors,
  visitorWrite,
} from './repository';

/** Conflicts with a concurrent shard (same visitor or checkpoint item) are retried here before Lambda's retry. */
const IN_HANDLER_ATTEMPTS = 4;

export interface AggregateStats {
  records: number;
  /** Records aggregated into visitor states and pending deltas by this invocation. */
  applied: number;
  skippedAlreadyCounted: number;
  /** Transactions of the batch itself (visitors, checkpoints, delta); applying deltas counts its own. */
  segments: number;
  visitorWrites: number;
  checkpointWrites: number;
  deltaWrites: number;
}

/**
 * The records the aggregator reads: INSERTs of raw clicks and of conversions (the stack's filter). A
 * raw-click item of another shape (written by hand, or a hand-edited replay) cannot be counted right: it
 * is left out, logged whole and counted in the StreamRecordsRejected metric (an alarm), never counted
 * into counters of `undefined`.
 */
function parse(records: DynamoDBRecord[], reported: Set<string>): StreamRecord[] {
  const out: StreamRecord[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    const seq = record.dynamodb?.SequenceNumber;
    if (record.eventName !== 'INSERT' || !image || !seq) continue;
    const item = unmarshall(image as never);
    if (keys.isClickPk(item.pk)) {
      const problem = storedClickProblem(item);
      if (problem) {
        // Once per invocation, though the handler may read the batch again after a conflict.
        if (!reported.has(seq)) {
          reported.add(seq);
          log.error('stream_record_rejected', { seq, problem, item });
          recordMetric.streamRecordRejected();
        }
      } else out.push({ kind: 'click', seq, clickPk: item.pk, click: clickFromItem(item) });
    } else if (item.entity === 'conversion' && keys.isConversionPk(item.pk))
      out.push({ kind: 'conversion', seq, conversion: conversionFromItem(item) });
  }
  return out;
}

/**
 * A batch at least this large means a busy stream (the stack's batches hold up to 500 records): its
 * deltas are spread over the slots, so each slot's job (which holds its merged updates) stays small.
 * Anything smaller (real traffic, 0.1–100 clicks/s) writes to slot 0, so one apply merges every shard's
 * clicks and a counter item is written once per apply, not once per slot (ADR 0058).
 */
const SPREAD_FROM_RECORDS = 100;

/** The delta slot of a segment: 0 at real traffic, else a hash of its first sequence number. */
function slotOf(firstSequenceNumber: string, batchRecords: number): number {
  if (batchRecords < SPREAD_FROM_RECORDS) return 0;
  let h = 2166136261;
  for (let i = 0; i < firstSequenceNumber.length; i++)
    h = Math.imul(h ^ firstSequenceNumber.charCodeAt(i), 16777619);
  return (h >>> 0) % DELTA_SLOTS;
}

/** DynamoDB allows 100 actions per TransactWriteItems: a segment's visitors, checkpoints and delta. */
const MAX_TRANSACTION_ITEMS = 100;

export interface AggregateOptions {
  now?: number;
  maxTransactionItems?: number;
}

/**
 * The stream consumer's core, in two steps (ADR 0009).
 *
 * 1. Aggregate (plan.ts plans, this commits): per segment of the batch (usually the whole batch), one
 *    transaction writes the changed visitor states (conditioned on their versions), advances the
 *    checkpoints of the raw-click keys it consumed (conditioned on their previous values) and stores the
 *    segment's merged counter updates as one pending delta. Exactly once under redelivery: a click at or
 *    below its checkpoint is skipped, a conversion already in its visitor's state changes nothing, and a
 *    transaction whose checkpoint or visitor moved meanwhile is cancelled as a whole and retried.
 * 2. Apply, not here: the scheduled run merges pending deltas into the counters (apply-deltas.ts) once a
 *    slot is AGGREGATE_FLUSH_SECONDS old or holds AGGREGATE_FLUSH_CLICKS clicks (ADR 40, 59, 61).
 *    Reports add what is pending (counter-snapshot.ts), so when that happens changes what the counters
 *    cost to write, not what the numbers say.
 */
export async function aggregateRecords(
  records: DynamoDBRecord[],
  options: AggregateOptions = {},
): Promise<DynamoDBBatchResponse & { stats: AggregateStats }> {
  const now = options.now ?? Date.now();
  let remaining = records;
  const stats: AggregateStats = {
    records: records.length,
    applied: 0,
    skippedAlreadyCounted: 0,
    segments: 0,
    visitorWrites: 0,
    checkpointWrites: 0,
    deltaWrites: 0,
  };
  const clicks: ClickEvent[] = [];
  const rejected = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    const failed = await aggregateOnce(remaining, { ...options, now }, stats, clicks, rejected);
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
  // would be skipped anyway). A link with a click limit closes on time without applying anything: its
  // totals are read with the pending deltas, this batch's included (counter-snapshot.ts).
  try {
    await enforceClickLimits(clicks);
  } catch (err) {
    log.error('click_limit_check_failed', { error: err instanceof Error ? err.message : String(err) });
  }
  return { batchItemFailures: [], stats };
}

/** A segment of the plan as the items of one transaction. */
function transactionOf(segment: Segment, slot: number, now: number): TransactItem[] {
  return [
    ...segment.visitorWrites.flatMap(({ id, state, expectedVersion, firstClickMissing }) => {
      const write = visitorWrite(id, state, expectedVersion, firstClickMissing);
      // A first state without the first click: only while that click is still not stored.
      return firstClickMissing && expectedVersion === 0 ? [write, firstClickStillAbsent(id)] : [write];
    }),
    ...segment.checkpointItems.map((advances) => checkpointWrite(advances, now)),
    deltaWrite(keys.delta(slot, now, segment.firstSeq), segment.updates, segment.records.length, now),
  ];
}

/**
 * Reads what the plan needs, plans the batch (plan.ts) and commits its segments in order. Returns the
 * sequence number to retry from when a segment failed; everything before it is committed.
 */
async function aggregateOnce(
  records: DynamoDBRecord[],
  options: AggregateOptions & { now: number },
  stats: AggregateStats,
  clicks: ClickEvent[],
  rejected: Set<string>,
): Promise<string | undefined> {
  const parsed = parse(records, rejected);
  if (parsed.length === 0) return undefined;

  // Read together (one round trip instead of three); on a redelivery this reads a few visitors whose
  // clicks turn out to be counted already, which costs less than waiting for the checkpoints first.
  const clickRecords = parsed.filter((r): r is ClickRecord => r.kind === 'click');
  const humanJourneys = clickRecords.filter((r) => !r.click.bot).map((r) => r.click.journey);
  const [checkpoints, visitors, shapes] = await Promise.all([
    readCheckpoints([...new Set(clickRecords.map((r) => r.clickPk))]),
    readVisitors([...new Set(parsed.map(visitorOf).filter((id) => id !== undefined))]),
    journeyShapes([...new Set(humanJourneys)]),
  ]);
  const fresh = freshRecords(parsed, checkpoints);
  if (fresh.length === 0) {
    stats.skippedAlreadyCounted += parsed.length;
    return undefined;
  }
  const { inBatch, toRead } = firstClicksWanted(parsed, fresh, visitors);
  const firstClicks = new Map([...inBatch, ...(toRead.length > 0 ? await readFirstClicks(toRead) : [])]);
  // A conversion is credited across every journey its visitor touched, not only those in the batch.
  const touched = fresh.flatMap((r) => {
    if (r.kind === 'click') return [];
    const id = r.conversion.visitorId;
    const first = firstClicks.get(id);
    return [...Object.keys(visitors.get(id)?.state.journeys ?? {}), ...(first ? [first.journey] : [])];
  });
  for (const [name, shape] of await journeyShapes([...new Set(touched)].filter((j) => !shapes.has(j))))
    shapes.set(name, shape);

  const plan = planBatch({
    records: parsed,
    checkpoints,
    visitors,
    firstClicks,
    shapeOf: (journey) => shapes.get(journey) ?? null,
    maxItems: options.maxTransactionItems ?? MAX_TRANSACTION_ITEMS,
  });
  stats.skippedAlreadyCounted += plan.alreadyCounted;
  for (const segment of plan.segments) {
    const slot = slotOf(segment.firstSeq, records.length);
    try {
      await commit(transactionOf(segment, slot, options.now));
    } catch (err) {
      log.warn('aggregate_segment_failed', {
        error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        firstSequenceNumber: segment.firstSeq,
        records: segment.records.length,
      });
      // Retried from this record on; everything before it is committed and checkpointed.
      return segment.firstSeq;
    }
    stats.segments++;
    stats.visitorWrites += segment.visitorWrites.length;
    stats.checkpointWrites += segment.checkpointItems.length;
    stats.deltaWrites++;
    stats.applied += segment.records.length;
    for (const r of segment.records) if (r.kind === 'click') clicks.push(r.click);
  }
  return undefined;
}
