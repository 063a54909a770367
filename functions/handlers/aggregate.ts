import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { aggregateRecords } from '../analytics/aggregate';
import { log } from '../shared/log';

/** DynamoDB stream consumer: aggregate a batch; report the first failed record so only the rest retries. */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const { batchItemFailures, stats } = await aggregateRecords(event.Records);
  log.info('aggregate_batch', { ...stats, failed: batchItemFailures.length > 0 });
  return { batchItemFailures };
}
