import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ClickEvent } from '#clicks/model';
import { clickFromItem } from '#clicks/repository';
import { emptyVisitorState, parseVisitorState, type VisitorState } from '#journeys/visitor-state';
import { config } from '#shared/config';
import { appliedAttribute, isCountAttribute } from '#shared/counter-items';
import { db } from '#shared/dynamo';
import { type Key, keys } from '#shared/keys';
import { batchGet, itemId, type TransactItem } from '#shared/table';
import type { CounterUpdate } from './counters';
import type { StoredVisitor } from './plan';

/** Highest aggregated sequence number per raw-click partition key (one checkpoint item per hour). */
export async function readCheckpoints(clickPks: string[]): Promise<Map<string, string>> {
  const located = clickPks.map((pk) => ({ pk, ...keys.checkpoint(pk) }));
  const items = await batchGet([...new Map(located.map((l) => [itemId(l.key), l.key])).values()]);
  const out = new Map<string, string>();
  for (const { pk, key, attribute } of located) {
    const seq = items.get(itemId(key))?.[attribute];
    if (typeof seq === 'string') out.set(pk, seq);
  }
  return out;
}

export async function readVisitors(visitorIds: string[]): Promise<Map<string, StoredVisitor>> {
  const items = await batchGet(visitorIds.map((id) => keys.visitor(id)));
  const out = new Map<string, StoredVisitor>();
  for (const id of visitorIds) {
    const item = items.get(itemId(keys.visitor(id)));
    out.set(
      id,
      item
        ? {
            state: parseVisitorState(String(item.state)),
            version: Number(item.version),
            firstClickMissing: item.firstClickMissing === true,
          }
        : // No stored state yet: written with the condition that none appears meanwhile.
          { state: emptyVisitorState(), version: 0, firstClickMissing: false },
    );
  }
  return out;
}

/**
 * The clicks that minted these visitors' ids, found by the ids alone (keys.firstClick, ADR 0015); a
 * visitor whose first click is not stored (yet) is absent from the result.
 */
export async function readFirstClicks(visitorIds: string[]): Promise<Map<string, ClickEvent>> {
  const located = visitorIds.flatMap((id) => {
    const first = keys.firstClick(id);
    return first ? [{ id, key: first.key }] : [];
  });
  const items = await batchGet(located.map((l) => l.key));
  const out = new Map<string, ClickEvent>();
  for (const { id, key } of located) {
    const item = items.get(itemId(key));
    if (item?.visitorId === id && item.newVisitor === true) out.set(id, clickFromItem(item));
  }
  return out;
}

/**
 * Applies one counter update as a plain UpdateItem (ADR 0058) and writes `applied` as the slot's job number
 * on the item, on the condition that the item holds a lower one: false (and nothing written) when it does
 * not, because this update was applied before.
 */
export async function applyCounterUpdate(
  update: CounterUpdate,
  slot: number,
  applied: number,
): Promise<boolean> {
  const names: Record<string, string> = { '#applied': appliedAttribute(slot) };
  const values: Record<string, unknown> = { ':applied': applied };
  const adds: string[] = [];
  const sets = ['#applied = :applied'];
  let i = 0;
  for (const [attr, n] of Object.entries(update.add)) {
    names[`#a${i}`] = attr;
    values[`:a${i}`] = n;
    adds.push(`#a${i} :a${i}`);
    i++;
  }
  for (const [attr, value] of Object.entries(update.set)) {
    names[`#s${i}`] = attr;
    values[`:s${i}`] = value;
    sets.push(`#s${i} = :s${i}`);
    i++;
  }
  try {
    await db.send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: update.key,
        UpdateExpression: `SET ${sets.join(', ')}${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_not_exists(#applied) OR #applied < :applied',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/** A visitor's new state, written only if nobody else wrote it since `expectedVersion`. */
export function visitorWrite(
  visitorId: string,
  state: VisitorState,
  expectedVersion: number,
  firstClickMissing: boolean,
): TransactItem {
  return { Put: visitorPut(visitorId, state, expectedVersion, firstClickMissing) };
}

function visitorPut(
  visitorId: string,
  state: VisitorState,
  expectedVersion: number,
  firstClickMissing: boolean,
) {
  return {
    TableName: config().tableName,
    Item: {
      ...keys.visitor(visitorId),
      entity: 'visitor',
      // One JSON string, not nested maps: a batch writes ~one visitor per click inside its transaction,
      // and a string is cheaper to marshal and store than a map of maps of lists (+14 % aggregation
      // throughput, docs/benchmarks.md).
      state: JSON.stringify(state),
      version: expectedVersion + 1,
      ...(firstClickMissing ? { firstClickMissing: true } : {}),
    },
    ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
    ExpressionAttributeValues: expectedVersion === 0 ? undefined : { ':v': expectedVersion },
  };
}

/**
 * A state written without the visitor's first click must not be committed once that click is stored:
 * from then on, aggregating it reads this state and adds it (ADR 0015).
 */
export function firstClickStillAbsent(visitorId: string): TransactItem {
  // Only minted ids have a first click found by the id (the planner asks for this check only for them).
  const first = keys.firstClick(visitorId);
  if (!first) throw new Error(`'${visitorId}' is not a minted visitor id`);
  return {
    ConditionCheck: {
      TableName: config().tableName,
      Key: first.key,
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

const CHECKPOINT_TTL_SECONDS = 3 * 86400; // longer than the stream's 24 h retention

/** A checkpoint: the given raw-click keys advance to their sequence numbers only if still at `previous`. */
export function checkpointWrite(
  advances: Array<{ clickPk: string; seq: string; previous: string | undefined }>,
  nowMs: number,
): TransactItem {
  const names: Record<string, string> = { '#entity': 'entity', '#ttl': 'ttl' };
  const values: Record<string, unknown> = {
    ':entity': 'checkpoint',
    ':ttl': Math.floor(nowMs / 1000) + CHECKPOINT_TTL_SECONDS,
  };
  const sets = ['#entity = :entity', '#ttl = :ttl'];
  const conditions: string[] = [];
  // The advances of one checkpoint item: every one of them names the same key.
  const [firstAdvance] = advances;
  if (!firstAdvance) throw new Error('a checkpoint write needs at least one advance');
  const key: Key = keys.checkpoint(firstAdvance.clickPk).key;
  advances.forEach(({ clickPk, seq, previous }, i) => {
    const located = keys.checkpoint(clickPk);
    names[`#p${i}`] = located.attribute;
    values[`:s${i}`] = seq;
    sets.push(`#p${i} = :s${i}`);
    if (previous === undefined) conditions.push(`attribute_not_exists(#p${i})`);
    else {
      values[`:v${i}`] = previous;
      conditions.push(`#p${i} = :v${i}`);
    }
  });
  return {
    Update: {
      TableName: config().tableName,
      Key: key,
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** DynamoDB refused an update because the item would exceed 400 KB. */
export function isItemTooLarge(err: unknown): boolean {
  const { name, message } = (err ?? {}) as { name?: string; message?: string };
  return name === 'ValidationException' && /exceeded the maximum allowed size/i.test(message ?? '');
}

/** Which of `attributes` the item already has (a projection of just those names, strongly consistent). */
export async function existingAttributes(key: Key, attributes: string[]): Promise<Set<string>> {
  if (attributes.length === 0) return new Set();
  const names = Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a]));
  const res = await db.send(
    new GetCommand({
      TableName: config().tableName,
      Key: key,
      ProjectionExpression: Object.keys(names).join(', '),
      ExpressionAttributeNames: names,
      ConsistentRead: true,
    }),
  );
  return new Set(Object.keys(res.Item ?? {}));
}

/** Replaces a counter item with exact values (recount --repair), keeping its descriptive attributes. */
export async function putCounterItem(
  update: CounterUpdate,
  previous: Record<string, unknown> | undefined,
): Promise<void> {
  const descriptive = Object.fromEntries(
    Object.entries(previous ?? {}).filter(([a]) => !isCountAttribute(a)),
  );
  await db.send(
    new PutCommand({
      TableName: config().tableName,
      Item: { ...descriptive, ...update.set, ...update.add, ...update.key },
    }),
  );
}

/**
 * Recount's repair of one visitor's journey state: written only if nobody changed it since the scan
 * (the same version check as the aggregator's), so a repair never overwrites a newer state.
 */
export async function putVisitorState(
  visitorId: string,
  state: VisitorState,
  expectedVersion: number,
  firstClickMissing: boolean,
): Promise<void> {
  await db.send(new PutCommand(visitorPut(visitorId, state, expectedVersion, firstClickMissing)));
}
