import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * CloudWatch metrics (embedded metric format, Powertools Metrics): namespace `Touchpoint`, dimension
 * `service` = redirect | api | aggregate. The stack's alarms and dashboard read exactly these names
 * (lib/operations.ts). In Lambda each invocation's metrics are printed as one EMF line by `flush()`;
 * anywhere else (npm start, tests, npm run replay) they are not recorded at all, so no terminal shows
 * EMF JSON.
 */
export type ServiceName = 'redirect' | 'api' | 'aggregate';

export const METRIC = {
  clicksRecorded: 'ClicksRecorded',
  clickWritesFailed: 'ClickWritesFailed',
  timeTo302: 'TimeTo302',
  aggregationLag: 'AggregationLagSeconds',
  pendingDeltaAge: 'PendingDeltaAgeSeconds',
  conversionsIngested: 'ConversionsIngested',
} as const;
export const METRICS_NAMESPACE = 'Touchpoint';

let metrics: Metrics | null | undefined;

/** Called once by each Lambda entry point at module load. */
export function useMetricsService(service: ServiceName): void {
  metrics = process.env.AWS_LAMBDA_FUNCTION_NAME
    ? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service })
    : null;
}

function add(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void {
  metrics?.addMetric(name, unit, value);
}

export const recordMetric = {
  clickRecorded: () => add(METRIC.clicksRecorded, MetricUnit.Count, 1),
  clickWriteFailed: () => add(METRIC.clickWritesFailed, MetricUnit.Count, 1),
  timeTo302: (ms: number) => add(METRIC.timeTo302, MetricUnit.Milliseconds, ms),
  aggregationLag: (seconds: number) => add(METRIC.aggregationLag, MetricUnit.Seconds, seconds),
  pendingDeltaAge: (seconds: number) => add(METRIC.pendingDeltaAge, MetricUnit.Seconds, seconds),
  conversionIngested: () => add(METRIC.conversionsIngested, MetricUnit.Count, 1),
};

/** Prints this invocation's metrics (one EMF line) if there are any; never throws. */
export function flushMetrics(): void {
  try {
    if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
  } catch {
    // Metrics must never fail a redirect or a batch.
  }
}
