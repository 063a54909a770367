import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { config } from '#shared/config';
import { type Key, keys } from '#shared/keys';
import { queryRange, type TransactItem } from '#shared/table';
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

export interface DeltaJob {
  key: Key;
  clicks: number;
  /** Index of the next part to apply. */
  next: number;
  /** Counter updates to apply, one transaction per part. */
  parts: CounterUpdate[][];
}

const encode = (value: unknown): Uint8Array => deflateRawSync(Buffer.from(JSON.stringify(value), 'utf8'));
const decode = <T>(bytes: Uint8Array): T => JSON.parse(inflateRawSync(bytes).toString('utf8')) as T;

/** Jobs left unfinished in a slot (usually none: a job is finished by whoever wrote it). */
export async function readJobs(slot: number): Promise<DeltaJob[]> {
  return (
    await queryRange(keys.deltaPartition(slot), ...keys.deltaJobSkRange, { limit: 1_000, consistent: true })
  ).map((item) => ({
    key: { pk: item.pk as string, sk: item.sk as string },
    clicks: Number(item.clicks),
    next: Number(item.next),
    parts: decode<CounterUpdate[][]>(item.parts as Uint8Array),
  }));
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

/** Removes an applied delta; fails (cancelling its transaction) if another consumer already did. */
export function deltaDelete(key: Key): TransactItem {
  return {
    Delete: { TableName: config().tableName, Key: key, ConditionExpression: 'attribute_exists(pk)' },
  };
}

export function jobWrite(key: Key, parts: CounterUpdate[][], clicks: number): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: { ...key, entity: 'counter_job', clicks, next: 0, parts: encode(parts) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Marks part `part` applied; only if it was the next one, so no part is ever applied twice. */
export function jobAdvance(key: Key, part: number, last: boolean): TransactItem {
  const condition = {
    ConditionExpression: '#next = :part',
    ExpressionAttributeNames: { '#next': 'next' },
    ExpressionAttributeValues: { ':part': part },
  };
  if (last) return { Delete: { TableName: config().tableName, Key: key, ...condition } };
  return {
    Update: {
      TableName: config().tableName,
      Key: key,
      UpdateExpression: 'SET #next = :following',
      ...condition,
      ExpressionAttributeValues: { ':part': part, ':following': part + 1 },
    },
  };
}

/** Encoded size of a list of updates (what a delta or a job item would store). */
export function encodedSize(value: unknown): number {
  return encode(value).length;
}
