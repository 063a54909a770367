import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '#shared/config';
import { db } from '#shared/dynamo';
import { keys } from '#shared/keys';
import type { Journey, JourneyTouchpoint } from './model';

export async function getJourneyItem(name: string): Promise<Journey | null> {
  const res = await db.send(new GetCommand({ TableName: config().tableName, Key: keys.journey(name) }));
  if (!res.Item) return null;
  return journeyOf(res.Item);
}

function journeyOf(item: Record<string, unknown>): Journey {
  return {
    name: String(item.name),
    stages: item.stages as string[],
    goals: Array.isArray(item.goals) ? (item.goals as string[]) : [],
    builtIn: false,
    description: typeof item.description === 'string' ? item.description : null,
    updatedAt: typeof item.updatedAt === 'string' ? item.updatedAt : null,
  };
}

export async function putJourneyItem(journey: Journey): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: config().tableName,
      Item: {
        ...keys.journey(journey.name),
        ...keys.journeyListing(journey.name),
        entity: 'journey',
        name: journey.name,
        stages: journey.stages,
        goals: journey.goals,
        description: journey.description,
        updatedAt: journey.updatedAt,
      },
    }),
  );
}

export async function listJourneyItems(): Promise<Journey[]> {
  const out: Journey[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await db.send(
      new QueryCommand({
        TableName: config().tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': keys.journeyListingPartition },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of res.Items ?? []) {
      out.push(journeyOf(item));
    }
    startKey = res.LastEvaluatedKey;
  } while (startKey);
  return out;
}

export async function getJourneyTouchpoint(
  journey: string,
  touchpoint: string,
): Promise<JourneyTouchpoint | null> {
  const res = await db.send(
    new GetCommand({ TableName: config().tableName, Key: keys.journeyTouchpoint(journey, touchpoint) }),
  );
  if (!res.Item) return null;
  return { journey, touchpoint, stage: res.Item.stage, links: Number(res.Item.links ?? 0) };
}

/** The journey's touchpoint registry: one item per touchpoint with its stage and active link count. */
export async function listJourneyTouchpoints(journey: string): Promise<JourneyTouchpoint[]> {
  const out: JourneyTouchpoint[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await db.send(
      new QueryCommand({
        TableName: config().tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :tp)',
        ExpressionAttributeValues: {
          ':p': keys.journeyPartition(journey),
          ':tp': keys.journeyTouchpointPrefix,
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of res.Items ?? []) {
      out.push({ journey, touchpoint: item.touchpoint, stage: item.stage, links: Number(item.links ?? 0) });
    }
    startKey = res.LastEvaluatedKey;
  } while (startKey);
  return out;
}
