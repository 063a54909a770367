import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { aggregateRecords } from '#aggregation/aggregate';
import { ALL_DELTA_SLOTS, applyDeltas } from '#aggregation/apply-deltas';
import type { ClickEvent } from '#clicks/model';
import { clickItem } from '#clicks/repository';
import { StreamPoller } from '#local/stream-poller';

/**
 * Reads this test file's table stream to its end, as Lambda's event source mapping would, handing each
 * batch to `handler` (the real aggregator by default). Returns the batches it delivered, so tests can
 * deliver them again.
 */
export async function pumpStream(
  handler: (records: DynamoDBRecord[]) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }> = (
    r,
  ) => aggregateRecords(r),
  batchSize = 100,
  options: { applyPending?: boolean } = {},
): Promise<DynamoDBRecord[][]> {
  const batches: DynamoDBRecord[][] = [];
  const errors: unknown[] = [];
  const poller = new StreamPoller({
    endpoint: process.env.DYNAMODB_ENDPOINT!,
    tableName: process.env.TABLE_NAME!,
    batchSize,
    batchingWindowMs: 20,
    handler: async (event: DynamoDBStreamEvent) => {
      batches.push(event.Records);
      return handler(event.Records);
    },
    onError: (err) => errors.push(err),
  });
  poller.start();
  try {
    await poller.drain(30_000);
  } finally {
    await poller.stop();
  }
  if (errors.length) throw errors[0];
  // What the stack's 1-minute schedule does: apply the counter deltas the batches left pending (the
  // consumer applies a slot on its own only once it is old or large enough, ADR 0040).
  if (options.applyPending !== false) await applyDeltas(ALL_DELTA_SLOTS);
  return batches;
}

let sequence = 10n ** 20n;

/** Stream records in Lambda's format for synthetic clicks (for volume tests that skip the redirect). */
export function syntheticRecords(
  clicks: ClickEvent[],
  partitionOf: (c: ClickEvent, i: number) => number = (_, i) => i % 4,
): DynamoDBRecord[] {
  return clicks.map((click, i) => {
    const item = clickItem(click, partitionOf(click, i), 30);
    sequence += 1n;
    return {
      eventID: `ev-${sequence}`,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
        NewImage: marshall(item, { removeUndefinedValues: true }) as never,
        SequenceNumber: sequence.toString(),
        StreamViewType: 'NEW_IMAGE',
      },
    };
  });
}
