import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StreamPoller } from '#local/stream-poller';
import { db } from '#shared/dynamo';
import { keys } from '#shared/keys';
import { DynamoProxy } from '../support/dynamo-proxy';
import { eventually } from '../support/eventually';
import { createTestTable } from '../support/table';

/**
 * The local runtime's stream poller (Lambda's event source mapping, played locally) must keep reading
 * after DynamoDB has been down: a click stored once DynamoDB is back is delivered to the aggregator.
 * The poller reads through a TCP proxy that refuses connections for a while; the clicks are written
 * directly.
 */
let proxy: DynamoProxy;
let table: string;

beforeAll(async () => {
  table = await createTestTable();
  proxy = await DynamoProxy.start(process.env.DYNAMODB_ENDPOINT!);
});

afterAll(async () => {
  await proxy?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function storeClick(id: string): Promise<void> {
  const at = new Date().toISOString();
  const key = keys.click(at.slice(0, 13), 3, at, id);
  await db.send(new PutCommand({ TableName: table, Item: { ...key, entity: 'click', id, at } }));
}

it('delivers clicks stored after an outage of DynamoDB', async () => {
  const delivered: string[] = [];
  const poller = new StreamPoller({
    endpoint: proxy.endpoint,
    tableName: table,
    batchingWindowMs: 20,
    handler: async (event: DynamoDBStreamEvent) => {
      for (const r of event.Records) delivered.push(String(r.dynamodb?.NewImage?.id?.S));
      return { batchItemFailures: [] };
    },
    onError: () => {},
  });
  poller.start();
  try {
    await storeClick('before');
    await eventually(
      'the first click',
      async () => [...delivered],
      (d) => d.length === 1,
      10_000,
    );

    proxy.refuse();
    await sleep(1_500); // several polling rounds fail, re-opening the shard's iterator fails too
    proxy.resume();

    await storeClick('after');
    const seen = await eventually(
      'the click after the outage',
      async () => [...delivered],
      (d) => d.length === 2,
      10_000,
    );
    expect(seen).toEqual(['before', 'after']);
  } finally {
    proxy.resume();
    await poller.stop();
  }
});
