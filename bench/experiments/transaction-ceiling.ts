import { performance } from 'node:perf_hooks';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { progress } from '../lib';
import { withBenchRuntime } from './setup';

/**
 * Figure 6's ceiling (not part of `npm run bench`): how many items per second DynamoDB Local takes in
 * TransactWriteItems, by transaction size and by how many transactions are in flight, next to
 * BatchWriteItem. Items are visitor-state-sized Puts, conditioned like the consumer's (new visitors).
 * Also the same transactions into a table without a stream: what the stream record DynamoDB Local writes
 * for every item of the (one, stream-enabled) table costs.
 * Run: npx tsx bench/experiments/transaction-ceiling.ts   (DYNAMODB_LOCAL_JAVA_OPTS to try JVM options)
 */
await withBenchRuntime(async () => {
  const { db } = await import('../../functions/shared/dynamo');
  const { config } = await import('../../functions/shared/config');
  const { keys } = await import('../../functions/shared/keys');
  const TableName = config().tableName;
  const streamless = `${TableName}-no-stream`;
  await db.send(
    new CreateTableCommand({
      TableName: streamless,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );

  const state = JSON.stringify({
    links: { lnk_abc: { first: 1_764_000_000_000, last: 1_764_000_000_000 } },
    journeys: { default: { stages: { awareness: 1_764_000_000_000 }, touchpoints: { 'spring-poster': 1 } } },
  });
  let serial = 0;
  const visitorItem = () => ({
    ...keys.visitor(`v_ceiling_${serial++}`),
    entity: 'visitor',
    state,
    version: 1,
  });

  const transaction = (size: number, table = TableName) =>
    db.send(
      new TransactWriteCommand({
        TransactItems: Array.from({ length: size }, () => ({
          Put: { TableName: table, Item: visitorItem(), ConditionExpression: 'attribute_not_exists(pk)' },
        })),
      }),
    );

  async function batchWrite(size: number) {
    for (let i = 0; i < size; i += 25) {
      const items = Array.from({ length: Math.min(25, size - i) }, () => ({
        PutRequest: { Item: visitorItem() },
      }));
      await db.send(new BatchWriteCommand({ RequestItems: { [TableName]: items } }));
    }
  }

  /** Items per second over 4 s of `step` (after a short warm-up); `step` writes `items` items. */
  async function itemsPerSecond(items: number, step: () => Promise<unknown>): Promise<number> {
    for (let i = 0; i < 5; i++) await step();
    const start = performance.now();
    let written = 0;
    while (performance.now() - start < 4000) {
      await step();
      written += items;
    }
    return written / ((performance.now() - start) / 1000);
  }

  const cases: Array<[string, number, () => Promise<unknown>]> = [
    ['1 transaction of 100 in flight', 100, () => transaction(100)],
    ['2 transactions of 100 in flight', 200, () => Promise.all([transaction(100), transaction(100)])],
    ['4 transactions of 50 in flight', 200, () => Promise.all([1, 2, 3, 4].map(() => transaction(50)))],
    ['1 transaction of 50', 50, () => transaction(50)],
    ['1 transaction of 10', 10, () => transaction(10)],
    ['BatchWriteItem, 4 × 25 in sequence', 100, () => batchWrite(100)],
    ['1 transaction of 100, table without a stream', 100, () => transaction(100, streamless)],
  ];
  for (let pass = 1; pass <= 2; pass++) {
    for (const [label, items, step] of cases) {
      progress(`pass ${pass}: ${label}: ${(await itemsPerSecond(items, step)).toFixed(0)} items/s`);
    }
  }
});
