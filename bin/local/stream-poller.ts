import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { keys } from '#shared/keys';
import { log } from '#shared/log';

/**
 * Plays Lambda's event source mapping against DynamoDB Local's stream: reads every shard, applies the
 * same filter as the stack (INSERTs of raw clicks and conversions), hands batches of real stream records to the
 * aggregate handler, and on a reported batch item failure retries from that record, as Lambda does.
 */
export interface StreamPollerOptions {
  endpoint: string;
  tableName: string;
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  batchSize?: number;
  /** Like Lambda's MaximumBatchingWindowInSeconds: how long to gather records before invoking. */
  batchingWindowMs?: number;
  onError?: (err: unknown) => void;
}

interface ShardState {
  iterator: string | undefined;
  pending: DynamoDBRecord[];
  firstPendingAt: number;
  closed: boolean;
  /** Last sequence number read, to get a fresh iterator after an error. */
  lastSequence: string | undefined;
  /** Failed deliveries of the batch at the head of `pending`. */
  attempts: number;
}

/** Like the stack's event source mapping: 10 retries, then the batch goes to the failure destination. */
const MAX_RETRIES = 10;

export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private readonly dynamo: DynamoDBClient;
  private readonly shards = new Map<string, ShardState>();
  private streamArn: string | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private lastDiscovery = 0;
  /** Number of handler invocations so far (tests and benchmarks read it). */
  invocations = 0;
  private idleWaiters: Array<{ idleLoopsLeft: number; wake: () => void }> = [];

  constructor(private readonly options: StreamPollerOptions) {
    const clientConfig = {
      endpoint: options.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    this.streams = new DynamoDBStreamsClient(clientConfig);
    this.dynamo = new DynamoDBClient(clientConfig);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.streams.destroy();
    this.dynamo.destroy();
  }

  /** Resolves once every shard has been read to its end and nothing is pending (for tests). */
  async drain(timeoutMs = 20_000): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('stream poller did not drain in time')), timeoutMs);
      // Two idle passes over every shard after the call: records written before it have been seen.
      this.idleWaiters.push({
        idleLoopsLeft: 2,
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    const windowMs = this.options.batchingWindowMs ?? 200;
    while (this.running) {
      let sawRecords = false;
      try {
        await this.discoverShards();
        for (const [shardId, shard] of this.shards) {
          try {
            if (await this.pollShard(shardId, shard, batchSize, windowMs)) sawRecords = true;
          } catch (err) {
            // One shard's trouble (an expired iterator, say) must not stop the others: re-open it.
            this.options.onError?.(err);
            shard.iterator = await this.iteratorAfter(shardId, shard.lastSequence).catch(() => undefined);
          }
        }
      } catch (err) {
        this.options.onError?.(err);
        await sleep(500);
      }
      const idle = !sawRecords && [...this.shards.values()].every((s) => s.pending.length === 0);
      if (idle && this.idleWaiters.length) {
        for (const waiter of this.idleWaiters) waiter.idleLoopsLeft--;
        for (const waiter of this.idleWaiters.filter((w) => w.idleLoopsLeft <= 0)) waiter.wake();
        this.idleWaiters = this.idleWaiters.filter((w) => w.idleLoopsLeft > 0);
      }
      if (!sawRecords) await sleep(Math.min(windowMs, 100));
    }
  }

  /** Reads the shard and invokes the handler when a batch is due; true when anything happened. */
  private async pollShard(
    shardId: string,
    shard: ShardState,
    batchSize: number,
    windowMs: number,
  ): Promise<boolean> {
    let active = false;
    if (shard.closed && shard.pending.length === 0) return false;
    // An outage can leave a shard without an iterator (re-opening it failed too): open it again from the
    // last record read, or the shard would never be read again.
    if (!shard.closed && !shard.iterator)
      shard.iterator = await this.iteratorAfter(shardId, shard.lastSequence);
    if (!shard.closed && shard.iterator && shard.pending.length < batchSize) {
      const res = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }),
      );
      shard.iterator = res.NextShardIterator;
      if (!shard.iterator) shard.closed = true;
      const raw = res.Records ?? [];
      shard.lastSequence = raw.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequence;
      const records = raw.map((r) => toLambdaRecord(r, this.streamArn)).filter(isAggregatedInsert);
      if (records.length > 0) {
        if (shard.pending.length === 0) shard.firstPendingAt = Date.now();
        shard.pending.push(...records);
        active = true;
      }
    }
    const due =
      shard.pending.length >= batchSize || Date.now() - shard.firstPendingAt >= windowMs || shard.closed;
    if (shard.pending.length > 0 && due) {
      await this.invoke(shardId, shard, batchSize);
      active = true;
    }
    return active;
  }

  private iteratorAfter(shardId: string, sequence: string | undefined): Promise<string | undefined> {
    return shardIterator(this.streams, this.streamArn ?? '', shardId, sequence);
  }

  private async invoke(shardId: string, shard: ShardState, batchSize: number): Promise<void> {
    const batch = shard.pending.slice(0, batchSize);
    this.invocations++;
    let failedFrom = -1;
    try {
      const response = await this.options.handler({ Records: batch });
      const failure = response?.batchItemFailures?.[0]?.itemIdentifier;
      if (failure) {
        // An identifier that is not in the batch fails the whole batch, as with Lambda.
        failedFrom = Math.max(
          0,
          batch.findIndex((r) => r.dynamodb?.SequenceNumber === failure),
        );
      }
    } catch (err) {
      this.options.onError?.(err);
      failedFrom = 0;
    }
    if (failedFrom < 0) {
      shard.pending.splice(0, batch.length);
      shard.attempts = 0;
      shard.firstPendingAt = Date.now();
      return;
    }
    // Keep the failed record and everything after it and try again shortly, as Lambda does; after
    // MAX_RETRIES the rest of the batch is logged (the local failure destination) and skipped.
    shard.pending.splice(0, failedFrom);
    shard.attempts = failedFrom > 0 ? 1 : shard.attempts + 1;
    if (shard.attempts > MAX_RETRIES) {
      const dropped = shard.pending.splice(0, batch.length - failedFrom);
      shard.attempts = 0;
      log.error('stream_batch_failed', { shardId, records: dropped });
    }
    shard.firstPendingAt = Date.now();
    await sleep(Math.min(2000, 100 * 2 ** shard.attempts));
  }

  private async discoverShards(): Promise<void> {
    if (Date.now() - this.lastDiscovery < 1000) return;
    this.lastDiscovery = Date.now();
    if (!this.streamArn) {
      const table = await this.dynamo.send(new DescribeTableCommand({ TableName: this.options.tableName }));
      this.streamArn = table.Table?.LatestStreamArn;
      if (!this.streamArn) throw new Error(`Table ${this.options.tableName} has no stream`);
    }
    for (const shard of await listShards(this.streams, this.streamArn)) {
      const id = shard.ShardId;
      if (id === undefined || this.shards.has(id)) continue;
      // A child shard starts only after its parent has been read to its end (ordering per key).
      const parent = shard.ParentShardId ? this.shards.get(shard.ParentShardId) : undefined;
      if (parent && !(parent.closed && parent.pending.length === 0)) continue;
      this.shards.set(id, {
        iterator: await shardIterator(this.streams, this.streamArn, id, undefined),
        pending: [],
        firstPendingAt: Date.now(),
        closed: false,
        lastSequence: undefined,
        attempts: 0,
      });
    }
  }
}

/**
 * What the aggregator is handed, as the stack's event source mapping filters the stream: the INSERTs of
 * raw clicks and conversions.
 */
export function isAggregatedInsert(record: DynamoDBRecord): boolean {
  const pk = record.dynamodb?.Keys?.pk?.S;
  return record.eventName === 'INSERT' && pk !== undefined && (keys.isClickPk(pk) || keys.isConversionPk(pk));
}

/** Every shard of the stream (DescribeStream pages through them). */
export async function listShards(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const res = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
    );
    shards.push(...(res.StreamDescription?.Shards ?? []));
    start = res.StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return shards;
}

/** An iterator at the records after `sequence`, or at the shard's start without one. */
export async function shardIterator(
  streams: DynamoDBStreamsClient,
  streamArn: string,
  shardId: string,
  sequence: string | undefined,
): Promise<string | undefined> {
  const res = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: shardId,
      ...(sequence
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: sequence }
        : { ShardIteratorType: 'TRIM_HORIZON' }),
    }),
  );
  return res.ShardIterator;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A DynamoDB Streams record as Lambda's event source mapping hands it to the function. */
export function toLambdaRecord(r: _Record, streamArn: string | undefined): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: d.ApproximateCreationDateTime
        ? Math.floor(new Date(d.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
      Keys: d.Keys as never,
      NewImage: d.NewImage as never,
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as never,
    },
  };
}
