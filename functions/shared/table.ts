import { createHash } from 'node:crypto';
import { BatchGetCommand, QueryCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { config } from './config';
import { db } from './dynamo';
import type { Key } from './keys';

/**
 * Generic helpers over the single table that more than one repository needs: reads by many keys, paged
 * queries, whole-table scans (admin tools) and transactional commits. Repositories call these; nothing
 * here knows what an item means.
 */

/** One string per item key, for maps and sets of items. */
export function itemId(key: Key): string {
  return `${key.pk}\u0000${key.sk}`;
}

export type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

/** Reads many items by key (strongly consistent), 100 per request, following UnprocessedKeys. */
export async function batchGet(keyList: Key[]): Promise<Map<string, Record<string, unknown>>> {
  const table = config().tableName;
  const found = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < keyList.length; i += 100) {
    let request: Record<string, unknown>[] | undefined = keyList.slice(i, i + 100) as unknown as Record<
      string,
      unknown
    >[];
    for (let attempt = 0; request && request.length > 0; attempt++) {
      const res = await db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: request, ConsistentRead: true } } }),
      );
      for (const item of res.Responses?.[table] ?? []) found.set(itemId(item as Key), item);
      request = res.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
      if (request?.length) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
    }
  }
  return found;
}

/**
 * One TransactWriteItems. The idempotency token is derived from the content, so an SDK retry of a
 * transaction that did commit (its answer lost) is not applied twice; different work never shares one.
 */
export async function commit(items: TransactItem[]): Promise<void> {
  const token = createHash('sha256').update(JSON.stringify(items)).digest('hex').slice(0, 36);
  await db.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
}

/**
 * Runs one Query page after another from `input`, keeping the items `keep` accepts, until the last page
 * or `limit` kept items.
 */
async function queryPages(
  input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'ExclusiveStartKey'>,
  options: { limit?: number; keep?: (item: Record<string, unknown>) => boolean } = {},
): Promise<Record<string, unknown>[]> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const out: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await db.send(
      new QueryCommand({
        ...input,
        Limit: Number.isFinite(limit) ? limit - out.length : undefined,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of res.Items ?? []) if (!options.keep || options.keep(item)) out.push(item);
    startKey = res.LastEvaluatedKey;
  } while (startKey && out.length < limit);
  return out;
}

/**
 * Items of one partition with sk in [from, to), in key order, following pages; at most `limit` of them.
 * Cost: O(items returned).
 */
export function queryRange(
  pk: string,
  fromSk: string,
  toSk: string,
  options: { limit?: number; consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  return queryPages(
    {
      TableName: config().tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': pk, ':from': fromSk, ':to': toSk },
      ConsistentRead: options.consistent,
    },
    // BETWEEN includes `to`; the range is half-open.
    { limit: options.limit, keep: (item) => (item.sk as string) < toSk },
  );
}

/**
 * Every item of a partition whose sort key begins with `skPrefix` (or all of it), following pages; on
 * the table or on an index whose keys are named `<index>pk` / `<index>sk`.
 */
export function queryPartition(
  pk: string,
  options: { skPrefix?: string; index?: string } = {},
): Promise<Record<string, unknown>[]> {
  const pkName = options.index ? `${options.index}pk` : 'pk';
  const skName = options.index ? `${options.index}sk` : 'sk';
  const byPrefix = options.skPrefix !== undefined;
  return queryPages({
    TableName: config().tableName,
    IndexName: options.index,
    KeyConditionExpression: byPrefix ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
    ExpressionAttributeNames: byPrefix ? { '#pk': pkName, '#sk': skName } : { '#pk': pkName },
    ExpressionAttributeValues: byPrefix ? { ':pk': pk, ':prefix': options.skPrefix } : { ':pk': pk },
  });
}

/** Reads the whole table, page by page (admin tools only: recount; the API never scans). */
export async function scanEntities(onItem: (item: Record<string, unknown>) => void): Promise<void> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await db.send(
      new ScanCommand({ TableName: config().tableName, ExclusiveStartKey: startKey }),
    );
    for (const item of res.Items ?? []) onItem(item);
    startKey = res.LastEvaluatedKey;
  } while (startKey);
}
