import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '#shared/config';
import { db } from '#shared/dynamo';
import { keys } from '#shared/keys';
import { type ClickEvent, isMintingClick } from './model';
import { environmentClickPartition } from './partition';

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
 * The raw-click partition of a click: the one its visitor id names when the click minted that id (so the
 * aggregator can find the visitor's first click by the id, ADR 0015; the redirect mints ids naming its own
 * partition), otherwise the one this environment writes to (ADR 0058).
 */
export function clickPartition(click: ClickEvent): number {
  if (isMintingClick(click)) return keys.mintedPartition(click.visitorId);
  return environmentClickPartition();
}

/**
 * The one write of the redirect hot path, with its own deadline (CLICK_WRITE_TIMEOUT_MS): a write that
 * has not been answered by then is aborted (its socket freed) and rejects, and the caller logs the click
 * for replay. It runs after the 302 is sent (ADR 0027), so the deadline bounds the invocation, not the
 * customer's wait.
 */
export async function putClick(item: ClickItem): Promise<void> {
  const c = config();
  await db.send(new PutCommand({ TableName: c.tableName, Item: item }), {
    abortSignal: AbortSignal.timeout(c.clickWriteTimeoutMs),
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
  const c = config();
  const table = c.tableName;
  const key = keys.salt(day);
  // On the redirect path: every request has a deadline (ADR 0025); the caller falls back to a local salt.
  const deadline = { abortSignal: AbortSignal.timeout(c.linkLookupTimeoutMs) };
  const existing = await db.send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
    deadline,
  );
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
        deadline,
      );
      salt = candidate;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const again = await db.send(
        new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
        deadline,
      );
      salt = again.Item?.salt as string;
    }
  }
  saltCache.clear(); // only today's salt is ever needed
  saltCache.set(day, salt);
  return salt;
}
