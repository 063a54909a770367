import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClickEvent } from '#clicks/model';
import { clickFromItem } from '#clicks/repository';
import { config } from '#shared/config';
import { db } from '#shared/dynamo';
import { keys } from '#shared/keys';
import type { Conversion } from './model';

/** The click a `tp_cid` token names, or null when there is no such click (never was, or expired). */
export async function getClickByToken(token: string): Promise<ClickEvent | null> {
  const where = keys.clickByToken(token);
  if (!where) return null;
  const { Item } = await db.send(new GetCommand({ TableName: config().tableName, Key: where.key }));
  return Item ? clickFromItem(Item) : null;
}

function conversionItem(conversion: Conversion) {
  return {
    ...keys.conversion(conversion.event, conversion.orderId ?? conversion.id),
    entity: 'conversion',
    ...conversion,
    // Kept as long as raw clicks: the counters it feeds are kept for good (recount reads the raw items).
    ttl: Math.floor(Date.parse(conversion.at) / 1000) + config().clickRetentionDays * 86400,
  };
}

export function conversionFromItem(item: Record<string, unknown>): Conversion {
  const { pk: _pk, sk: _sk, entity: _entity, ttl: _ttl, ...conversion } = item;
  return conversion as unknown as Conversion;
}

/**
 * Stores a conversion once per event + order id (a conversion without an order id is its own).
 * Returns the stored one and whether this call stored it; a repeat gets the first one back.
 */
export async function putConversionOnce(
  conversion: Conversion,
): Promise<{ stored: Conversion; created: boolean }> {
  const Item = conversionItem(conversion);
  const TableName = config().tableName;
  try {
    await db.send(new PutCommand({ TableName, Item, ConditionExpression: 'attribute_not_exists(pk)' }));
    return { stored: conversion, created: true };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
    const { Item: existing } = await db.send(
      new GetCommand({ TableName, Key: { pk: Item.pk, sk: Item.sk }, ConsistentRead: true }),
    );
    if (!existing) throw err;
    return { stored: conversionFromItem(existing), created: false };
  }
}
