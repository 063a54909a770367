import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { log } from './log';

/**
 * CloudWatch metrics (embedded metric format, Powertools Metrics): namespace `Touchpoint`, dimension
 * `service` = redirect | api | aggregate. The stack's alarms and dashboard read exactly these names
 * (lib/operations.ts). In Lambda each invocation's metrics are printed as one EMF line by `flush()`.
 * Anywhere else (npm start, tests, npm run replay) no EMF is written; only the metrics an operator must
 * see at once (a click write that failed) become a `metric` log line, with the request's ids.
 */
export type ServiceName = 'redirect' | 'api' | 'aggregate';

export const METRIC = {
  clicksRecorded: 'ClicksRecorded',
  clickWritesFailed: 'ClickWritesFailed',
  timeTo302: 'TimeTo302',
  aggregationLag: 'AggregationLagSeconds',
  pendingDeltaAge: 'PendingDeltaAgeSeconds',
  conversionsIngested: 'ConversionsIngested',
  streamRecordsRejected: 'StreamRecordsRejected',
} as const;
export const METRICS_NAMESPACE = 'Touchpoint';

let metrics: Metrics | null | undefined;
let serviceName: ServiceName | undefined;
/** Outside Lambda, these metrics are logged as they happen (an alarm would fire on them in AWS). */
const LOGGED_LOCALLY: ReadonlySet<string> = new Set([METRIC.clickWritesFailed, METRIC.streamRecordsRejected]);

/** Called once by each Lambda entry point at module load. */
export function useMetricsService(service: ServiceName): void {
  serviceName = service;
  metrics = process.env.AWS_LAMBDA_FUNCTION_NAME
    ? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service })
    : null;
}

function add(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void {
  if (metrics) metrics.addMetric(name, unit, value);
  else if (LOGGED_LOCALLY.has(name))
    log.error('metric', { metric: name, value, unit, function: serviceName });
}

export const recordMetric = {
  clickRecorded: () => add(METRIC.clicksRecorded, MetricUnit.Count, 1),
  clickWriteFailed: () => add(METRIC.clickWritesFailed, MetricUnit.Count, 1),
  timeTo302: (ms: number) => add(METRIC.timeTo302, MetricUnit.Milliseconds, ms),
  aggregationLag: (seconds: number) => add(METRIC.aggregationLag, MetricUnit.Seconds, seconds),
  pendingDeltaAge: (seconds: number) => add(METRIC.pendingDeltaAge, MetricUnit.Seconds, seconds),
  conversionIngested: () => add(METRIC.conversionsIngested, MetricUnit.Count, 1),
  streamRecordRejected: () => add(METRIC.streamRecordsRejected, MetricUnit.Count, 1),
};

/** Prints this invocation's metrics (one EMF line) if there are any; never throws. */
export function flushMetrics(): void {
  try {
    if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
  } catch {
    // Metrics must never fail a redirect or a batch.
  }
}
