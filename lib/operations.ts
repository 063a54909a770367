import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, type ServiceName } from '#shared/metrics';

export interface OperationsProps {
  readonly redirectFunction: lambda.IFunction;
  readonly apiFunction: lambda.IFunction;
  readonly aggregateFunction: lambda.IFunction;
  readonly table: dynamodb.ITable;
  readonly httpApi: apigwv2.IHttpApi;
  readonly deadLetterQueue: sqs.IQueue;
  /** Where alarms are e-mailed (context `alarmEmail`); without it the topic has no subscription yet. */
  readonly alarmEmail?: string;
  /** The front door's web ACL metric name, for a dashboard widget (WAF metrics live in us-east-1). */
  readonly webAclMetricName?: string;
  /** p99 time-to-302 (ms) past which the redirect alarms. @default 250 */
  readonly redirectP99Ms?: number;
}

/**
 * What an operator needs (issue 17): an SNS topic every alarm notifies, alarms on the failures that
 * matter (lost clicks first), and one dashboard. docs/operations.md says what each alarm means and what
 * to do first. Application metrics are the EMF metrics of functions/shared/metrics.ts.
 */
export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The alarms a redirect deploy rolls back on (errors and latency). */
  readonly redirectDeployAlarms: cloudwatch.Alarm[] = [];
  /** The alarms a deploy of the API function rolls back on. */
  readonly apiDeployAlarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Alarms', { displayName: 'Touchpoint alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const app = (service: ServiceName, name: string, statistic: string, period = Duration.minutes(1)) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service },
        statistic,
        period,
      });
    const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };

    const redirectErrors = this.alarm('RedirectErrors', {
      description: 'The redirect function failed invocations (customers may get errors instead of 302s).',
      metric: props.redirectFunction.metricErrors(fiveMinutes),
      threshold: 5,
    });
    const redirectLatency = this.alarm('RedirectLatencyP99', {
      description: `The redirect's p99 time to 302 is over ${props.redirectP99Ms ?? 250} ms (DynamoDB slow, cold starts).`,
      metric: app('redirect', METRIC.timeTo302, 'p99'),
      threshold: props.redirectP99Ms ?? 250,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
    this.redirectDeployAlarms.push(redirectErrors, redirectLatency);

    this.alarm('ClickWritesFailed', {
      description:
        'Clicks could not be stored and went to the replay log (click_write_failed): run npm run replay.',
      metric: app('redirect', METRIC.clickWritesFailed, cloudwatch.Stats.SUM),
      threshold: 1,
    });
    const apiErrors = this.alarm('ApiErrors', {
      description: 'The API function failed invocations.',
      metric: props.apiFunction.metricErrors(fiveMinutes),
      threshold: 5,
    });
    const api5xx = this.alarm('Api5xx', {
      description: 'The HTTP API answered 5xx (API Gateway or the API function).',
      metric: props.httpApi.metricServerError(fiveMinutes),
      threshold: 10,
    });
    this.apiDeployAlarms.push(apiErrors, api5xx);
    for (const [name, fn] of [
      ['Redirect', props.redirectFunction],
      ['Api', props.apiFunction],
      ['Aggregate', props.aggregateFunction],
    ] as const) {
      this.alarm(`${name}Throttles`, {
        description: `The ${name.toLowerCase()} function was throttled (concurrency limit reached).`,
        metric: fn.metricThrottles(fiveMinutes),
        threshold: 1,
      });
    }
    this.alarm('StreamIteratorAge', {
      description:
        'The aggregator is over 10 minutes behind the click stream (the stream keeps 24 h of clicks).',
      metric: props.aggregateFunction.metric('IteratorAge', {
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 600_000,
    });
    this.alarm('AggregateDeadLetters', {
      description: 'Click batches the aggregate function gave up on are in the DLQ (see docs/operations.md).',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
    });
    this.alarm('StreamRecordsRejected', {
      description:
        'The aggregator left out raw-click items that are not clicks (stream_record_rejected holds each whole; see docs/operations.md).',
      metric: app('aggregate', METRIC.streamRecordsRejected, cloudwatch.Stats.SUM),
      threshold: 1,
    });
    this.alarm('PendingDeltaAge', {
      description:
        'Counter deltas pending for over 20 minutes (they are applied at 15), or the 1-minute schedule stopped reporting (see apply_deltas_failed).',
      metric: app('aggregate', METRIC.pendingDeltaAge, cloudwatch.Stats.MAXIMUM, Duration.minutes(5)),
      threshold: 1200,
      evaluationPeriods: 2,
      // No value means the scheduled run stopped: that is an outage of the counters, not a quiet time.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.alarm('DynamoDbThrottles', {
      description: 'DynamoDB throttled requests (a write cap or capacity reached).',
      metric: new cloudwatch.MathExpression({
        expression: 'reads + writes',
        usingMetrics: {
          reads: props.table.metric('ReadThrottleEvents', fiveMinutes),
          writes: props.table.metric('WriteThrottleEvents', fiveMinutes),
        },
        period: Duration.minutes(5),
        label: 'Throttle events',
      }),
      threshold: 1,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Clicks recorded / min, and failed click writes',
            left: [app('redirect', METRIC.clicksRecorded, cloudwatch.Stats.SUM)],
            right: [app('redirect', METRIC.clickWritesFailed, cloudwatch.Stats.SUM)],
          }),
          new cloudwatch.GraphWidget({
            title: 'Time to 302 (ms)',
            left: [
              app('redirect', METRIC.timeTo302, 'p50').with({ label: 'p50' }),
              app('redirect', METRIC.timeTo302, 'p99').with({ label: 'p99' }),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Aggregation lag (s) and oldest pending delta (s)',
            left: [app('aggregate', METRIC.aggregationLag, cloudwatch.Stats.MAXIMUM)],
            right: [app('aggregate', METRIC.pendingDeltaAge, cloudwatch.Stats.MAXIMUM, Duration.minutes(5))],
          }),
          new cloudwatch.GraphWidget({
            title: 'Errors',
            left: [
              props.redirectFunction.metricErrors().with({ label: 'redirect' }),
              props.apiFunction.metricErrors().with({ label: 'api' }),
              props.aggregateFunction.metricErrors().with({ label: 'aggregate' }),
              props.httpApi.metricServerError().with({ label: 'HTTP API 5xx' }),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'DynamoDB consumed write units',
            left: [props.table.metricConsumedWriteCapacityUnits({ statistic: cloudwatch.Stats.SUM })],
          }),
          ...(props.webAclMetricName
            ? [
                new cloudwatch.GraphWidget({
                  title: 'WAF blocked requests',
                  left: [
                    new cloudwatch.Metric({
                      namespace: 'AWS/WAFV2',
                      metricName: 'BlockedRequests',
                      dimensionsMap: { WebACL: props.webAclMetricName, Rule: 'ALL' },
                      statistic: cloudwatch.Stats.SUM,
                      region: 'us-east-1',
                    }),
                  ],
                }),
              ]
            : []),
        ],
      ],
    });
  }

  private alarm(
    id: string,
    spec: {
      description: string;
      metric: cloudwatch.IMetric;
      threshold: number;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
      treatMissingData?: cloudwatch.TreatMissingData;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      datapointsToAlarm: spec.datapointsToAlarm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
