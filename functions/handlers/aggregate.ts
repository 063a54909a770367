import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { aggregateRecords } from '../analytics/aggregate';
import { ALL_DELTA_SLOTS, applyDeltas } from '../analytics/apply-deltas';
import { log } from '../shared/log';

/** The scheduled event (EventBridge, and the local runtime's timer) that applies pending deltas. */
export interface ApplyDeltasEvent {
  source: 'aws.events' | 'touchpoint.local';
  'detail-type'?: string;
}

const isStreamEvent = (event: DynamoDBStreamEvent | ApplyDeltasEvent): event is DynamoDBStreamEvent =>
  Array.isArray((event as DynamoDBStreamEvent).Records);

/**
 * DynamoDB stream consumer: aggregate a batch; report the first failed record so only the rest retries.
 * Also invoked on a schedule to apply counter deltas a busy stream left pending when it went quiet.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse>;
export async function handler(event: ApplyDeltasEvent): Promise<undefined>;
export async function handler(
  event: DynamoDBStreamEvent | ApplyDeltasEvent,
): Promise<DynamoDBBatchResponse | undefined> {
  if (!isStreamEvent(event)) {
    const stats = await applyDeltas(ALL_DELTA_SLOTS);
    if (stats.deltasApplied > 0) log.info('apply_deltas_scheduled', { ...stats });
    return undefined;
  }
  const { batchItemFailures, stats } = await aggregateRecords(event.Records);
  log.info('aggregate_batch', { ...stats, failed: batchItemFailures.length > 0 });
  return { batchItemFailures };
}
