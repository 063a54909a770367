import { performance } from 'node:perf_hooks';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { db } from '../shared/dynamo';
import { CLICK_PARTITIONS, keys } from '../shared/keys';
import { type ClickEvent, isMintingClick } from './model';

/** How long the redirect waits for the click write before logging it for replay instead. */
const CLICK_WRITE_TIMEOUT_MS = 800;

/**
 * A visitor's first click is kept this much longer than other raw clicks: their cookie lives at most the
 * retention period from when the browser got it, and a later click made just before it expired may
 * reach the aggregator up to a day later (the stream's retention), which then reads the first click by
 * the visitor id (ADR 0015).
 */
const FIRST_CLICK_GRACE_DAYS = 2;

export function clickItem(click: ClickEvent, partition: number, retentionDays: number) {
  // The key's two attributes are named, not spread: on Node 20 an object literal with two spreads
  // (`{ ...key, entity, ...click }`) falls off V8's fast path and took ~29 µs per redirect instead of ~0.4.
  const { pk, sk } = keys.click(click.at.slice(0, 13), partition, click.at, click.id);
  return {
    pk,
    sk,
    entity: 'click',
    ...click,
    ttl:
      Math.floor(Date.parse(click.at) / 1000) +
      (isMintingClick(click) ? retentionDays + FIRST_CLICK_GRACE_DAYS : retentionDays) * 86400,
  };
}

export type ClickItem = ReturnType<typeof clickItem>;

/** The click a stored click item holds (the inverse of clickItem). */
export function clickFromItem(item: Record<string, unknown>): ClickEvent {
  const { pk: _pk, sk: _sk, entity: _entity, ttl: _ttl, ...click } = item;
  return click as unknown as ClickEvent;
}

/**
 * The raw-click partition of a click: the one its visitor id names when the click minted that id (so
 * the aggregator can find the visitor's first click by the id, ADR 0015), otherwise a random one.
 */
export function clickPartition(click: ClickEvent, random: () => number = Math.random): number {
  if (isMintingClick(click)) return keys.mintedPartition(click.visitorId);
  return Math.floor(random() * CLICK_PARTITIONS);
}

/**
 * A click write's abort handle, in the form the SDK's HTTP handler takes without an EventTarget
 * (`@smithy/types` AbortSignal): the handler sets `onabort`, and a deadline that passes calls it, which
 * destroys the request (freeing its socket) and rejects the write.
 *
 * Not an `AbortController` per click: creating one, and the abort listener the SDK adds to it, was the
 * largest cost of the redirect's own code; a controller shared by the writes of a time window still cost
 * ~30 µs a write under load, because an EventTarget scans its listeners on every add and remove
 * (docs/benchmarks.md, figure 2).
 */
interface ClickWriteDeadline {
  aborted: boolean;
  onabort: (() => void) | null;
}

/**
 * Writes starting within the same DEADLINE_WINDOW_MS share one timer, which aborts those still running
 * CLICK_WRITE_TIMEOUT_MS after the window closes: each write gets 800 to 850 ms.
 */
const DEADLINE_WINDOW_MS = 50;
let windowWrites: ClickWriteDeadline[] = [];
let windowClosesAt = Number.NEGATIVE_INFINITY;

function clickWriteDeadline(now: number): ClickWriteDeadline {
  if (now >= windowClosesAt) {
    const writes: ClickWriteDeadline[] = [];
    windowWrites = writes;
    windowClosesAt = now + DEADLINE_WINDOW_MS;
    // unref: a pending deadline must not keep a CLI or test process alive.
    setTimeout(() => {
      for (const write of writes) {
        write.aborted = true;
        write.onabort?.();
      }
    }, DEADLINE_WINDOW_MS + CLICK_WRITE_TIMEOUT_MS).unref();
  }
  const deadline: ClickWriteDeadline = { aborted: false, onabort: null };
  windowWrites.push(deadline);
  return deadline;
}

/** The one write of the redirect hot path. */
export async function putClick(item: ClickItem): Promise<void> {
  // A monotonic clock: a wall clock set back (NTP, or a test's fake Date) must not stretch a window.
  const deadline = clickWriteDeadline(performance.now());
  try {
    await db.send(new PutCommand({ TableName: config().tableName, Item: item }), { abortSignal: deadline });
  } finally {
    deadline.onabort = null; // settled: nothing left to abort
  }
}

/**
 * Replay re-inserts a logged click under its original key, only if it is not there yet, so replaying
 * the same log twice never counts a click twice. Returns false when it was already stored.
 */
export async function putClickIfAbsent(item: ClickItem): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: config().tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

const saltCache = new Map<string, string>();

/** The daily salt for cookieless visitor ids; it expires (TTL) two days later so days cannot be linked. */
export async function getOrCreateDailySalt(day: string, fresh: () => string): Promise<string> {
  const cached = saltCache.get(day);
  if (cached) return cached;
  const table = config().tableName;
  const key = keys.salt(day);
  const existing = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  let salt = existing.Item?.salt as string | undefined;
  if (!salt) {
    const candidate = fresh();
    try {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: { ...key, salt: candidate, ttl: Math.floor(Date.parse(day) / 1000) + 2 * 86400 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      salt = candidate;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const again = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
      salt = again.Item?.salt as string;
    }
  }
  saltCache.clear(); // only today's salt is ever needed
  saltCache.set(day, salt);
  return salt;
}
