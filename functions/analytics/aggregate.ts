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
  readCheckpoints,
  readVisitors,
  visitorWrite,
} from './repository';
import { stageOrders } from './stage-orders';

/** DynamoDB allows 100 actions per TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

interface ParsedClick {
  seq: string;
  clickPk: string;
  click: ClickEvent;
}

interface RecordPlan {
  parsed: ParsedClick;
  updates: CounterUpdate[];
  /** Visitor state after this click (humans only). */
  visitorAfter?: VisitorState;
  itemIds: Set<string>;
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
  options: { now?: number; maxTransactionItems?: number } = {},
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

  // Plan each record: its counter updates, given the visitor's state just before it.
  const working = new Map<string, VisitorState>();
  const plans: RecordPlan[] = fresh.map((p) => {
    const updates = clickCounterUpdates(p.click);
    let visitorAfter: VisitorState | undefined;
    if (!p.click.bot) {
      const vid = p.click.visitorId;
      const before = working.get(vid) ?? visitors.get(vid)!.state;
      visitorAfter = structuredClone(before);
      applyClick(visitorAfter, {
        at: Date.parse(p.click.at),
        linkId: p.click.linkId,
        journey: p.click.journey,
        stage: p.click.stage,
        touchpoint: p.click.touchpoint,
      });
      updates.push(
        ...contributionDelta(contributions(before, orderOf), contributions(visitorAfter, orderOf)),
      );
      working.set(vid, visitorAfter);
    }
    const itemIds = new Set(updates.map((u) => itemId(u.key)));
    itemIds.add(itemId(keys.checkpoint(p.clickPk)));
    if (visitorAfter) itemIds.add(itemId(keys.visitor(p.click.visitorId)));
    return { parsed: p, updates, visitorAfter, itemIds };
  });

  // Cut the plans into transactions of at most 100 distinct items, in stream order.
  const chunks: RecordPlan[][] = [];
  let current: RecordPlan[] = [];
  let currentIds = new Set<string>();
  for (const plan of plans) {
    const union = new Set([...currentIds, ...plan.itemIds]);
    if (current.length > 0 && union.size > maxItems) {
      chunks.push(current);
      current = [];
      currentIds = new Set(plan.itemIds);
    } else {
      currentIds = union;
    }
    current.push(plan);
  }
  if (current.length) chunks.push(current);

  const versions = new Map([...visitors].map(([id, v]) => [id, v.version]));
  for (const chunk of chunks) {
    const counters = mergeUpdates(chunk.flatMap((p) => p.updates));
    const lastSeq = new Map<string, string>();
    const lastState = new Map<string, VisitorState>();
    for (const plan of chunk) {
      lastSeq.set(plan.parsed.clickPk, plan.parsed.seq);
      if (plan.visitorAfter) lastState.set(plan.parsed.click.visitorId, plan.visitorAfter);
    }
    const items = [
      ...[...counters.values()].map(counterWrite),
      ...[...lastState].map(([vid, state]) => visitorWrite(vid, state, versions.get(vid) ?? 0)),
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
    stats.visitorWrites += lastState.size;
    stats.checkpointWrites += lastSeq.size;
    stats.applied += chunk.length;
    for (const [pk, seq] of lastSeq) checkpoints.set(pk, seq);
    for (const vid of lastState.keys()) versions.set(vid, (versions.get(vid) ?? 0) + 1);
  }

  await enforceClickLimits(fresh.map((p) => p.click));
  return { batchItemFailures: [], stats };
}
