import type { RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Default route throttling of the HTTP API's stage, per second for the whole API (ADR 0030). */
export interface ApiThrottle {
  /** Steady requests per second. @default 100 */
  readonly rateLimit?: number;
  /** Requests allowed in a burst above the rate. @default 200 */
  readonly burstLimit?: number;
}

export const DEFAULT_API_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/**
 * One JSON line per request: who (address, user agent), what (route, status, sizes), how long, and why
 * an integration failed. No headers, no query, no body: keys and visitors' data stay out of the logs.
 */
/**
 * The HTTP API's access log line: what an operator needs to follow a request (its id is the correlation
 * id of the function's log lines), and no client address or user agent — Touchpoint stores no raw IP
 * (docs/security.md), and 30 days of access logs would be exactly that.
 */
export const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
} as const;

export interface HttpApiGuardProps {
  readonly httpApi: apigwv2.HttpApi;
  readonly throttle?: ApiThrottle;
  readonly logRetention?: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`HttpApiGuard: ${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * Throttling and access logs on the HTTP API's default stage: whatever reaches the API, through the
 * front door or straight at its execute-api endpoint, is bounded and leaves a trace.
 */
export class HttpApiGuard extends Construct {
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HttpApiGuardProps) {
    super(scope, id);
    const stage = props.httpApi.defaultStage?.node.defaultChild;
    if (!(stage instanceof apigwv2.CfnStage)) {
      throw new Error('HttpApiGuard: the HTTP API needs its default stage');
    }
    const rateLimit = positive('rateLimit', props.throttle?.rateLimit ?? DEFAULT_API_THROTTLE.rateLimit);
    const burstLimit = positive('burstLimit', props.throttle?.burstLimit ?? DEFAULT_API_THROTTLE.burstLimit);
    if (!Number.isInteger(burstLimit)) throw new Error(`HttpApiGuard: burstLimit must be an integer`);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy,
    });
    stage.accessLogSettings = {
      destinationArn: this.accessLogs.logGroupArn,
      format: JSON.stringify(ACCESS_LOG_FORMAT),
    };
    stage.defaultRouteSettings = { throttlingRateLimit: rateLimit, throttlingBurstLimit: burstLimit };
  }
}
