import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config';
import { db } from '../shared/dynamo';
import { CLICK_PARTITIONS, keys } from '../shared/keys';
import type { ClickEvent } from './model';

/** How long the redirect waits for the click write before logging it for replay instead. */
const CLICK_WRITE_TIMEOUT_MS = 800;

export function clickItem(click: ClickEvent, partition: number, retentionDays: number) {
  // The key's two attributes are named, not spread: on Node 20 an object literal with two spreads
  // (`{ ...key, entity, ...click }`) falls off V8's fast path and took ~29 µs per redirect instead of ~0.4.
  const { pk, sk } = keys.click(click.at.slice(0, 13), partition, click.at, click.id);
  return {
    pk,
    sk,
    entity: 'click',
    ...click,
    ttl: Math.floor(Date.parse(click.at) / 1000) + retentionDays * 86400,
  };
}

export type ClickItem = ReturnType<typeof clickItem>;

export function randomPartition(): number {
  return Math.floor(Math.random() * CLICK_PARTITIONS);
}

/**
 * The click write's deadline, shared by the writes that start within the same DEADLINE_WINDOW_MS: its
 * signal aborts CLICK_WRITE_TIMEOUT_MS after the window closes, so each write gets 800 to 850 ms. One
 * AbortController and one timer per window rather than per click: creating the controller was the
 * largest single cost of the redirect's own code (docs/benchmarks.md, figure 2), and the earlier
 * `AbortSignal.timeout()` per click cost more still.
 */
const DEADLINE_WINDOW_MS = 50;
let deadline: { signal: AbortSignal; opensUntil: number } | undefined;

function clickWriteDeadline(now: number): AbortSignal {
  if (!deadline || now >= deadline.opensUntil || deadline.signal.aborted) {
    const controller = new AbortController();
    // The SDK adds one abort listener per request in flight (and removes it when the request ends).
    setMaxListeners(0, controller.signal);
    // unref: a pending deadline must not keep a CLI or test process alive.
    setTimeout(() => controller.abort(), DEADLINE_WINDOW_MS + CLICK_WRITE_TIMEOUT_MS).unref();
    deadline = { signal: controller.signal, opensUntil: now + DEADLINE_WINDOW_MS };
  }
  return deadline.signal;
}

/** The one write of the redirect hot path. */
export async function putClick(item: ClickItem): Promise<void> {
  // A monotonic clock: a wall clock set back (NTP, or a test's fake Date) must not stretch a window.
  await db.send(new PutCommand({ TableName: config().tableName, Item: item }), {
    abortSignal: clickWriteDeadline(performance.now()),
  });
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
