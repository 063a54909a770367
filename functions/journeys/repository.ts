import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '#shared/config';
import { db } from '#shared/dynamo';
import { GSI1, keys } from '#shared/keys';
import { queryPartition } from '#shared/table';
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

/** Stores the journey; true when it did not exist before (a create, not a replace). */
export async function putJourneyItem(journey: Journey): Promise<boolean> {
  const { Attributes: before } = await db.send(
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
      ReturnValues: 'ALL_OLD',
    }),
  );
  return before === undefined;
}

export async function listJourneyItems(): Promise<Journey[]> {
  return (await queryPartition(keys.journeyListingPartition, { index: GSI1 })).map(journeyOf);
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
  const items = await queryPartition(keys.journeyPartition(journey), {
    skPrefix: keys.journeyTouchpointPrefix,
  });
  return items.map((item) => ({
    journey,
    touchpoint: String(item.touchpoint),
    stage: String(item.stage),
    links: Number(item.links ?? 0),
  }));
}
