import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { aggregateRecords } from '#aggregation/aggregate';
import { applyWhileDue } from '#aggregation/apply-deltas';
import { log, withRequestScope } from '#shared/log';
import { flushMetrics, recordMetric, useMetricsService } from '#shared/metrics';

useMetricsService('aggregate');

/** The scheduled event (EventBridge, and the local runtime's timer) that applies pending deltas. */
export interface ApplyDeltasEvent {
  source: 'aws.events' | 'touchpoint.local';
  'detail-type'?: string;
}

/** The part of Lambda's context used here (absent when the local runtime or a test calls the handler). */
interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/** Applying stops this long before the invocation would time out; what is left waits, safely. */
const APPLY_MARGIN_MS = 10_000;

const isStreamEvent = (event: DynamoDBStreamEvent | ApplyDeltasEvent): event is DynamoDBStreamEvent =>
  Array.isArray((event as DynamoDBStreamEvent).Records);

/**
 * DynamoDB stream consumer: aggregate a batch into visitor states and pending deltas; report the first
 * failed record so only the rest retries. Also invoked every minute on a schedule, the one place that
 * applies pending deltas to the counters once they are due (ADR 0061), and publishes how old the oldest
 * pending delta is (the stack alarms on it: a delta that cannot be applied must not go unnoticed).
 */
export function handler(
  event: DynamoDBStreamEvent,
  context?: InvocationContext,
): Promise<DynamoDBBatchResponse>;
export function handler(event: ApplyDeltasEvent, context?: InvocationContext): Promise<undefined>;
export function handler(
  event: DynamoDBStreamEvent | ApplyDeltasEvent,
  context?: InvocationContext,
): Promise<DynamoDBBatchResponse | undefined> {
  return withRequestScope(undefined, context, () => run(event, context));
}

async function run(
  event: DynamoDBStreamEvent | ApplyDeltasEvent,
  context?: InvocationContext,
): Promise<DynamoDBBatchResponse | undefined> {
  if (!isStreamEvent(event)) {
    const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - APPLY_MARGIN_MS : undefined;
    const { stats, pending } = await applyWhileDue({ deadline });
    // Every run in Lambda (the alarm treats a missing value as breaching: a stopped schedule alarms too).
    recordMetric.pendingDeltaAge(Math.round(pending.oldestAgeMs / 1000));
    flushMetrics();
    if (process.env.AWS_LAMBDA_FUNCTION_NAME || stats.deltasApplied > 0 || pending.deltas + pending.jobs > 0)
      log.info('apply_deltas_scheduled', { ...stats, pending });
    return undefined;
  }
  const { batchItemFailures, stats } = await aggregateRecords(event.Records);
  log.info('aggregate_batch', { ...stats, failed: batchItemFailures.length > 0 });
  const newest = Math.max(...event.Records.map((r) => r.dynamodb?.ApproximateCreationDateTime ?? 0));
  if (newest > 0) recordMetric.aggregationLag(Math.max(0, Math.round(Date.now() / 1000 - newest)));
  flushMetrics();
  return { batchItemFailures };
}
