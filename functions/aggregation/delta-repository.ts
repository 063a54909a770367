import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '#shared/config';
import { db } from '#shared/dynamo';
import { type Key, keys } from '#shared/keys';
import { batchGet, itemId, queryRange, type TransactItem } from '#shared/table';
import type { CounterUpdate } from './counters';

/**
 * Pending counter deltas and the jobs that apply them (ADR 0009). Updates are stored as deflated JSON
 * in one binary attribute: a delta of 100 clicks is ~20 KB as attributes and ~3 KB deflated, and write
 * capacity is charged by the kilobyte.
 */
export interface PendingDelta {
  key: Key;
  /** Clicks it accounts for. */
  clicks: number;
  /** When it was written (epoch ms). */
  createdAt: number;
  /** Stored size of the updates, bytes. */
  bytes: number;
  updates?: CounterUpdate[];
}

/**
 * A slot's job: the merged updates being applied (while `running`) and the deltas they came from,
 * numbered; one item per slot, kept after it finishes for its number (apply-deltas.ts).
 */
export interface SlotJob {
  slot: number;
  /** Grows by one with every merge of the slot; written on every counter item the job updates. */
  seq: number;
  running: boolean;
  clicks: number;
  updates: CounterUpdate[];
  /** Sort keys of the deltas merged into it (in the slot's partition); deleted before it finishes. */
  took: string[];
}

const encode = (value: unknown): Uint8Array => deflateRawSync(Buffer.from(JSON.stringify(value), 'utf8'));
const decode = <T>(bytes: Uint8Array): T => JSON.parse(inflateRawSync(bytes).toString('utf8')) as T;

function jobOf(slot: number, item: Record<string, unknown>): SlotJob {
  const running = item.running === true;
  return {
    slot,
    seq: Number(item.seq),
    running,
    clicks: Number(item.clicks ?? 0),
    updates: running ? decode<CounterUpdate[]>(item.updates as Uint8Array) : [],
    took: running ? decode<string[]>(item.took as Uint8Array) : [],
  };
}

/** The slot's job item (strongly consistent); undefined before the slot's first merge. */
export async function readJob(slot: number): Promise<SlotJob | undefined> {
  const res = await db.send(
    new GetCommand({ TableName: config().tableName, Key: keys.deltaJob(slot), ConsistentRead: true }),
  );
  return res.Item ? jobOf(slot, res.Item) : undefined;
}

/** The job items of several slots in one request (strongly consistent); slots without one are left out. */
export async function readJobs(slots: readonly number[]): Promise<SlotJob[]> {
  const found = await batchGet(slots.map((slot) => keys.deltaJob(slot)));
  return slots.flatMap((slot) => {
    const item = found.get(itemId(keys.deltaJob(slot)));
    return item ? [jobOf(slot, item)] : [];
  });
}

/** The oldest `limit` pending deltas of a slot, with their updates unless `withUpdates` is false. */
export async function readDeltas(slot: number, limit: number, withUpdates = true): Promise<PendingDelta[]> {
  return (await queryRange(keys.deltaPartition(slot), ...keys.deltaSkRange, { limit, consistent: true })).map(
    (item) => ({
      key: { pk: item.pk as string, sk: item.sk as string },
      clicks: Number(item.clicks),
      createdAt: Number(item.createdAt),
      bytes: Number(item.bytes),
      updates: withUpdates ? decode<CounterUpdate[]>(item.updates as Uint8Array) : undefined,
    }),
  );
}

/** A new pending delta (written in the same transaction as the checkpoints of its clicks). */
export function deltaWrite(key: Key, updates: CounterUpdate[], clicks: number, nowMs: number): TransactItem {
  const bytes = encode(updates);
  return {
    Put: {
      TableName: config().tableName,
      Item: {
        ...key,
        entity: 'counter_delta',
        clicks,
        createdAt: nowMs,
        bytes: bytes.length,
        updates: bytes,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Removes a delta its job has applied (a plain delete: deleting it twice changes nothing). */
export async function deleteDelta(slot: number, sk: string): Promise<void> {
  await db.send(
    new DeleteCommand({ TableName: config().tableName, Key: { pk: keys.deltaPartition(slot), sk } }),
  );
}

/**
 * Starts the slot's next job: only if the job numbered `previousSeq` is the last one and has finished, so
 * two consumers never start jobs at once (the loser gets false). A plain conditional PutItem: the deltas
 * it takes stay until the job deletes them, and whoever reads them meanwhile sees them in `took`.
 */
export async function startJob(job: SlotJob, previousSeq: number | undefined): Promise<boolean> {
  const condition =
    previousSeq === undefined
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : {
          ConditionExpression: 'seq = :previous AND running = :false',
          ExpressionAttributeValues: { ':previous': previousSeq, ':false': false },
        };
  try {
    await db.send(
      new PutCommand({
        TableName: config().tableName,
        Item: {
          ...keys.deltaJob(job.slot),
          entity: 'counter_job',
          seq: job.seq,
          running: true,
          clicks: job.clicks,
          updates: encode(job.updates),
          took: encode(job.took),
        },
        ...condition,
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/** Marks a job finished, keeping its number; a job another consumer finished first is left as it is. */
export async function finishJob(job: SlotJob): Promise<void> {
  try {
    await db.send(
      new PutCommand({
        TableName: config().tableName,
        Item: { ...keys.deltaJob(job.slot), entity: 'counter_job', seq: job.seq, running: false },
        ConditionExpression: 'seq = :seq AND running = :true',
        ExpressionAttributeValues: { ':seq': job.seq, ':true': true },
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
}

/** Encoded size of a list of updates (what a delta or a job item would store). */
export function encodedSize(value: unknown): number {
  return encode(value).length;
}
