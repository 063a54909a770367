import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, GetRecordsCommand, type Shard } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { aggregateRecords } from '#aggregation/aggregate';
import type { StreamDrain } from '#aggregation/recount';
import { isAggregatedInsert, listShards, shardIterator, toLambdaRecord } from '#local/stream-poller';
import { config } from '#shared/config';
import { dynamoClient, endpointConfig } from '#shared/dynamo';
import { itemId } from '#shared/table';

/**
 * Recount's view of the table's stream (docs/operations.md, "Rebuilding counters"), with aggregation
 * paused: `drain()` reads every shard to its end and hands the raw clicks and conversions to the
 * aggregator, as the event source mapping would (checkpoints skip what is counted already), so nothing
 * in the stream is left uncounted; `arrivedSinceDrain()` then reads on from where the drain stopped and
 * names the items written since. Recount leaves those out: the mapping counts them once it is enabled
 * again, and counting them in a repair as well would count them twice.
 *
 * An open shard has no end: it is read until GetRecords returns nothing a few times in a row.
 */
const EMPTY_READS_AT_END = 3;

export function streamDrain(): StreamDrain {
  const streams = new DynamoDBStreamsClient(endpointConfig());
  /** Per shard, the last sequence number the drain read (undefined: the shard was empty then). */
  let drainedTo: Map<string, string | undefined> | undefined;

  return {
    async drain() {
      drainedTo = await readShards(streams, new Map(), async (records) => {
        const response = await aggregateRecords(records);
        const failed = response.batchItemFailures[0]?.itemIdentifier;
        if (failed)
          throw new Error(
            `Aggregating the stream failed at sequence number ${failed}; nothing was repaired.`,
          );
      });
    },
    async arrivedSinceDrain() {
      if (!drainedTo) throw new Error('arrivedSinceDrain() needs drain() first');
      const arrived = new Set<string>();
      await readShards(streams, drainedTo, async (records) => {
        for (const r of records) {
          const { pk, sk } = r.dynamodb?.Keys ?? {};
          if (pk?.S && sk?.S) arrived.add(itemId({ pk: pk.S, sk: sk.S }));
        }
      });
      return arrived;
    },
    close: () => streams.destroy(),
  };
}

/**
 * Reads every shard, parents before children, after `from` (per shard; else from its start), handing
 * the INSERTs of raw clicks and conversions (the stack's filter) to `onRecords` in batches. Returns where
 * each shard was read to.
 */
async function readShards(
  streams: DynamoDBStreamsClient,
  from: ReadonlyMap<string, string | undefined>,
  onRecords: (records: DynamoDBRecord[]) => Promise<void>,
): Promise<Map<string, string | undefined>> {
  const table = await dynamoClient.send(new DescribeTableCommand({ TableName: config().tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${config().tableName} has no stream`);
  const readTo = new Map(from);
  for (const shard of parentsFirst(await listShards(streams, streamArn))) {
    const id = shard.ShardId ?? '';
    const after = from.get(id);
    let iterator = await shardIterator(streams, streamArn, id, after);
    readTo.set(id, after);
    for (let empty = 0; iterator && empty < EMPTY_READS_AT_END; ) {
      const res = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = res.Records ?? [];
      iterator = res.NextShardIterator;
      if (records.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      readTo.set(id, records.at(-1)?.dynamodb?.SequenceNumber);
      const counted = records.map((r) => toLambdaRecord(r, streamArn)).filter(isAggregatedInsert);
      if (counted.length > 0) await onRecords(counted);
    }
  }
  return readTo;
}

/** Shards ordered so that a parent comes before its children (per-key order, as Lambda keeps it). */
function parentsFirst(shards: Shard[]): Shard[] {
  const byId = new Map(shards.map((s) => [s.ShardId, s]));
  const ordered: Shard[] = [];
  const placed = new Set<string | undefined>();
  const place = (shard: Shard) => {
    if (placed.has(shard.ShardId)) return;
    const parent = shard.ParentShardId ? byId.get(shard.ParentShardId) : undefined;
    if (parent) place(parent);
    placed.add(shard.ShardId);
    ordered.push(shard);
  };
  for (const shard of shards) place(shard);
  return ordered;
}
