import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '#shared/config';
import { db } from '#shared/dynamo';
import { ConflictError, StaleWriteError } from '#shared/errors';
import { GSI1, keys } from '#shared/keys';
import type { Link } from './model';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

const LINK_FIELDS = 'link';

function linkItem(link: Link) {
  return {
    ...keys.link(link.id),
    ...keys.linkListing(link.createdAt, link.id),
    entity: 'link',
    [LINK_FIELDS]: link,
  };
}

/** The redirect's copy: everything it needs in one GetItem by domain and slug. */
function slugItem(link: Link) {
  return { ...keys.slug(link.domain, link.slug), entity: 'slug', [LINK_FIELDS]: link };
}

/** Active links count towards their touchpoint in the journey's touchpoint registry. */
function countsTowardsRegistry(link: Link): boolean {
  return link.status === 'active';
}

function registryUpdate(link: Link, delta: number): TransactItem {
  return {
    Update: {
      TableName: config().tableName,
      Key: keys.journeyTouchpoint(link.journey, link.touchpoint),
      UpdateExpression: 'SET stage = :stage, touchpoint = :tp, journey = :j, entity = :e ADD links :d',
      ExpressionAttributeValues: {
        ':stage': link.stage,
        ':tp': link.touchpoint,
        ':j': link.journey,
        ':e': 'journey_touchpoint',
        ':d': delta,
      },
    },
  };
}

/** How often a link write is tried when DynamoDB cancels it for a concurrent write to the same item. */
const CONFLICT_ATTEMPTS = 3;

const isTransactionConflict = (err: unknown): boolean =>
  err instanceof TransactionCanceledException &&
  (err.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict') &&
  !(err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');

/**
 * A link transaction. Real DynamoDB cancels one with `TransactionConflict` when another request writes
 * one of its items (e.g. the touchpoint registry item two new links share) at the same moment: that is
 * retried after a short jittered pause, and after CONFLICT_ATTEMPTS answered 409, never 500.
 */
async function sendLinkTransaction(items: TransactItem[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
      if (attempt >= CONFLICT_ATTEMPTS) {
        throw new ConflictError('The link is being changed by another request right now; please retry.', {
          reason: 'transaction_conflict',
        });
      }
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
    }
  }
}

function isConditionFailure(err: unknown, index: number): boolean {
  if (!(err instanceof TransactionCanceledException)) return false;
  return err.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';
}

export async function insertLink(link: Link): Promise<void> {
  const table = config().tableName;
  try {
    await sendLinkTransaction([
      { Put: { TableName: table, Item: slugItem(link), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: table, Item: linkItem(link), ConditionExpression: 'attribute_not_exists(pk)' } },
      registryUpdate(link, 1),
    ]);
  } catch (err) {
    if (isConditionFailure(err, 0)) {
      throw new ConflictError(`The slug '${link.slug}' is already taken on ${link.domain}.`, {
        domain: link.domain,
        slug: link.slug,
      });
    }
    throw err;
  }
}

/** Writes an edited link; fails with 409 if someone else changed it since `before` was read. */
export async function replaceLink(before: Link, after: Link): Promise<void> {
  const table = config().tableName;
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table,
        Item: linkItem(after),
        ConditionExpression: '#l.updatedAt = :prev',
        ExpressionAttributeNames: { '#l': LINK_FIELDS },
        ExpressionAttributeValues: { ':prev': before.updatedAt },
      },
    },
    { Put: { TableName: table, Item: slugItem(after) } },
  ];
  const sameTouchpoint = before.journey === after.journey && before.touchpoint === after.touchpoint;
  const beforeCount = countsTowardsRegistry(before) ? 1 : 0;
  const afterCount = countsTowardsRegistry(after) ? 1 : 0;
  if (sameTouchpoint) {
    if (beforeCount !== afterCount || before.stage !== after.stage) {
      items.push(registryUpdate(after, afterCount - beforeCount));
    }
  } else {
    if (beforeCount) items.push(registryUpdate(before, -1));
    if (afterCount) items.push(registryUpdate(after, 1));
  }
  try {
    await sendLinkTransaction(items);
  } catch (err) {
    if (isConditionFailure(err, 0)) {
      throw new StaleWriteError('The link was changed by someone else meanwhile; read it again and retry.');
    }
    throw err;
  }
}

export async function getLinkById(id: string): Promise<Link | null> {
  const res = await db.send(new GetCommand({ TableName: config().tableName, Key: keys.link(id) }));
  return (res.Item?.[LINK_FIELDS] as Link | undefined) ?? null;
}

/** The redirect's lookup: one GetItem. Eventually consistent reads are fine (links are cached anyway). */
/** `abortSignal`: the redirect's deadline for the lookup (ADR 0025). */
export async function getLinkBySlug(
  domain: string,
  slug: string,
  options: { abortSignal?: AbortSignal } = {},
): Promise<Link | null> {
  const res = await db.send(
    new GetCommand({ TableName: config().tableName, Key: keys.slug(domain, slug) }),
    options,
  );
  return (res.Item?.[LINK_FIELDS] as Link | undefined) ?? null;
}

/** Marks a link as having reached its click limit (the aggregator calls this). */
export async function markLinkExhausted(link: Link, at: string): Promise<void> {
  const table = config().tableName;
  // Links are stored with `exhaustedAt: null`, so "not yet marked" is "missing or NULL". The limit must
  // still be the one the count was checked against: an edit raising it meanwhile wins.
  // `updatedAt` moves too: the link's ETag changes with its status, and an edit that read the link before
  // (conditioned on `updatedAt`) is retried on the exhausted link rather than clearing `exhaustedAt`.
  const set = {
    UpdateExpression: 'SET #l.exhaustedAt = :at, #l.updatedAt = :at',
    ConditionExpression:
      'attribute_exists(pk) AND #l.maxClicks = :limit AND (attribute_not_exists(#l.exhaustedAt) OR attribute_type(#l.exhaustedAt, :null))',
    ExpressionAttributeNames: { '#l': LINK_FIELDS },
    ExpressionAttributeValues: { ':at': at, ':null': 'NULL', ':limit': link.maxClicks },
  };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: { TableName: table, Key: keys.link(link.id), ...set } },
          { Update: { TableName: table, Key: keys.slug(link.domain, link.slug), ...set } },
        ],
      }),
    );
  } catch (err) {
    const alreadyMarked =
      err instanceof TransactionCanceledException &&
      (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
    if (!alreadyMarked) throw err;
  }
}

export interface LinkFilter {
  journey?: string;
  stage?: string;
  touchpoint?: string;
  campaign?: string;
  tag?: string;
  status?: 'active' | 'archived';
}

export interface LinkPage {
  items: Link[];
  nextKey: Record<string, unknown> | undefined;
}

/**
 * Lists links newest first, applying filters server-side. DynamoDB's Limit counts items before the
 * filter, so this keeps reading pages until `limit` matches are found, and resumes after the last
 * returned item (not after the last evaluated one) so nothing is skipped between pages.
 */
export async function queryLinks(
  filter: LinkFilter,
  limit: number,
  startKey: Record<string, unknown> | undefined,
): Promise<LinkPage> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':p': keys.linkListingPartition };
  const conditions: string[] = [];
  const fields = ['journey', 'stage', 'touchpoint', 'campaign', 'status'] as const;
  for (const field of fields) {
    const value = filter[field];
    if (value === undefined) continue;
    names['#l'] = LINK_FIELDS;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    conditions.push(`#l.#${field} = :${field}`);
  }
  if (filter.tag !== undefined) {
    names['#l'] = LINK_FIELDS;
    names['#tags'] = 'tags';
    values[':tag'] = filter.tag;
    conditions.push('contains(#l.#tags, :tag)');
  }
  const items: Link[] = [];
  let exclusiveStartKey = startKey;
  let lastReturnedKey: Record<string, unknown> | undefined;
  let more = false;
  for (;;) {
    const res = await db.send(
      new QueryCommand({
        TableName: config().tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :p',
        ScanIndexForward: false,
        ExpressionAttributeValues: values,
        ExpressionAttributeNames: conditions.length ? names : undefined,
        FilterExpression: conditions.length ? conditions.join(' AND ') : undefined,
        ExclusiveStartKey: exclusiveStartKey,
        Limit: Math.max(limit * 2, 50),
      }),
    );
    const page = res.Items ?? [];
    for (const [index, item] of page.entries()) {
      items.push(item[LINK_FIELDS] as Link);
      lastReturnedKey = { pk: item.pk, sk: item.sk, gsi1pk: item.gsi1pk, gsi1sk: item.gsi1sk };
      if (items.length === limit) {
        more = index < page.length - 1 || res.LastEvaluatedKey !== undefined;
        break;
      }
    }
    if (items.length === limit || !res.LastEvaluatedKey) break;
    exclusiveStartKey = res.LastEvaluatedKey;
  }
  return { items, nextKey: more ? lastReturnedKey : undefined };
}
