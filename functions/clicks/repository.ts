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

/** The one write of the redirect hot path. */
export async function putClick(item: ClickItem): Promise<void> {
  // A controller and a timer cleared on completion, rather than `AbortSignal.timeout()`: same abort, but
  // the latter's garbage-collected timer cost ~35 µs of CPU per redirect (docs/benchmarks.md, figure 2).
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), CLICK_WRITE_TIMEOUT_MS);
  try {
    await db.send(new PutCommand({ TableName: config().tableName, Item: item }), {
      abortSignal: controller.signal,
    });
  } finally {
    clearTimeout(timer);
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
