import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { AGGREGATE_BATCHING_WINDOW_SECONDS, APPLY_SCHEDULE_SECONDS } from '#shared/freshness';
import { GSI1, TABLE_KEYS } from '#shared/keys';
import { type FunctionName, ROUTES } from '#shared/routes';
import { TouchpointFunction } from './constructs/touchpoint-function';
import type { HostedZoneSettings } from './edge-stack';
import { FrontDoor } from './front-door';
import { type ApiThrottle, HttpApiGuard } from './http-api-guard';
import { Operations } from './operations';

/** Stream batch size of the aggregate function (docs/benchmarks.md, figure 6). */
const AGGREGATE_BATCH_SIZE = 500;

export interface TouchpointStackProps extends StackProps {
  /**
   * Custom (branded) short-link domains. The first is the primary one: links are built on
   * `https://<first>`; the others are accepted as extra short domains. With domains the stack serves
   * them through the front door (CloudFront + WAF, ADR 0030), which needs `certificateArn` and
   * `webAclArn`; without, everything is served by the HTTP API's own endpoint (dev stacks).
   */
  readonly domainNames?: string[];
  /** ACM certificate in us-east-1 (CloudFront's region) covering every name in `domainNames`. */
  readonly certificateArn?: string;
  /** AWS WAF web ACL (scope CLOUDFRONT, us-east-1) for the front door (lib/edge-stack.ts makes one). */
  readonly webAclArn?: string;
  /** The web ACL's CloudWatch metric name, for the dashboard's WAF widget. */
  readonly webAclMetricName?: string;
  /** E-mail address the alarm topic notifies (context `alarmEmail`). @default none: subscribe later */
  readonly alarmEmail?: string;
  /** Route 53 zone of the domains: the front door adds an alias A/AAAA record per domain to it. */
  readonly hostedZone?: HostedZoneSettings;
  /** Default route throttling of the HTTP API. @default 100 requests/s, bursts of 200 */
  readonly apiThrottle?: ApiThrottle;
  /**
   * Reserved concurrency: a cap on concurrent invocations (a flood cannot run up the bill or take the
   * whole account's concurrency) that also keeps that much for the function. Each reservation must leave
   * the account its minimum of unreserved concurrency (ADR 0031). @default none
   */
  readonly reservedConcurrency?: { readonly redirect?: number; readonly aggregate?: number };
  /** Cap on the table's on-demand write request units per second (ADR 0031). @default none */
  readonly tableMaxWriteRequestUnits?: number;
  /** How long raw click events are kept (DynamoDB TTL). @default 395 */
  readonly clickRetentionDays?: number;
  /** How long the redirect function caches a link lookup in memory. @default 10 */
  readonly linkCacheTtlSeconds?: number;
  /** Whether the redirect sets a first-party visitor cookie to join clicks into journeys. @default true */
  readonly visitorCookies?: boolean;
  /** Delete the table (and log groups) with the stack: for throwaway dev stacks only. @default false */
  readonly destroyOnRemoval?: boolean;
}

/**
 * Touchpoint: one DynamoDB table, an HTTP API in front of the redirect and api functions, and the
 * aggregate function consuming the table's stream (inserts of raw clicks and conversions) into counters.
 * With branded domains, a CloudFront distribution behind AWS WAF serves them: redirects from a streaming
 * function URL, the API and dashboard from the HTTP API (lib/front-door.ts, ADR 0030). Over 300 lines
 * because it is the one place that wires the parts together; each part with rules of its own is a
 * construct of its own (front door, WAF, API guard, operations, functions).
 */
export class TouchpointStack extends Stack {
  readonly table: dynamodb.Table;
  readonly httpApi: apigwv2.HttpApi;
  readonly redirectFunction: TouchpointFunction;
  /** The alias every caller of the redirect uses; deploys shift it by canary (ADR 0035). */
  readonly redirectAlias: lambda.Alias;
  readonly apiFunction: TouchpointFunction;
  /** The alias the HTTP API calls for the API routes; deploys shift it by canary (ADR 0035). */
  readonly apiAlias: lambda.Alias;
  readonly aggregateFunction: TouchpointFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly apiGuard: HttpApiGuard;
  readonly operations: Operations;
  /** The production front door (CloudFront, WAF, the redirect's function URL): only with `domainNames`. */
  readonly frontDoor?: FrontDoor;
  /** The front door's distribution, for alarms (its metrics are in us-east-1). */
  readonly distribution?: cloudfront.Distribution;
  /** The web ACL associated with the distribution. */
  readonly webAclArn?: string;
  /**
   * The function behind the front door's function URL: with the front door, `redirectFunction` serves
   * `functions/handlers/redirect-url.ts` (streaming) and is this; without, undefined.
   */
  readonly redirectUrlFunction?: TouchpointFunction;

  constructor(scope: Construct, id: string, props: TouchpointStackProps = {}) {
    super(scope, id, props);

    const domains = (props.domainNames ?? []).map((d) => d.trim().toLowerCase()).filter(Boolean);
    const withFrontDoor = domains.length > 0;
    if (withFrontDoor && !props.certificateArn) {
      throw new Error(
        'TouchpointStack: domainNames need a certificateArn (an ACM certificate in us-east-1).',
      );
    }
    if (withFrontDoor && !props.webAclArn) {
      throw new Error('TouchpointStack: domainNames need a webAclArn (a CLOUDFRONT-scope AWS WAF web ACL).');
    }
    const reserved = props.reservedConcurrency ?? {};
    for (const [name, value] of Object.entries({
      ...reserved,
      tableMaxWriteRequestUnits: props.tableMaxWriteRequestUnits,
    })) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        throw new Error(`TouchpointStack: ${name} must be a positive integer, got ${value}`);
      }
    }
    const clickRetentionDays = props.clickRetentionDays ?? 395;
    if (!Number.isInteger(clickRetentionDays) || clickRetentionDays < 1 || clickRetentionDays > 3650) {
      throw new Error(
        `TouchpointStack: clickRetentionDays must be an integer 1..3650, got ${clickRetentionDays}`,
      );
    }
    const destroy = props.destroyOnRemoval ?? false;
    const logRemovalPolicy = destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    // --- Table -------------------------------------------------------------------------------
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.pk, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sk, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_KEYS.ttl,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: !destroy,
      removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      // A flood of clicks cannot buy unlimited writes; past the cap click writes go to the replay log.
      maxWriteRequestUnits: props.tableMaxWriteRequestUnits,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1,
      partitionKey: { name: TABLE_KEYS.gsi1pk, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.gsi1sk, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    // --- HTTP API (created first: its endpoint is the default short-link base URL) --------------
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Touchpoint short links, QR codes and analytics API',
      createDefaultStage: true,
    });

    const baseUrl = domains.length > 0 ? `https://${domains[0]}` : this.httpApi.apiEndpoint;
    const sharedEnv: Record<string, string> = {
      TOUCHPOINT_BASE_URL: baseUrl,
      TOUCHPOINT_SHORT_DOMAINS: domains.slice(1).join(','),
      CLICK_RETENTION_DAYS: String(clickRetentionDays),
      LINK_CACHE_TTL_SECONDS: String(props.linkCacheTtlSeconds ?? 10),
      VISITOR_COOKIES: (props.visitorCookies ?? true) ? 'on' : 'off',
    };

    // --- Functions -----------------------------------------------------------------------------
    // Behind the front door the redirect is the streaming function-URL handler, and only it may
    // believe CloudFront's viewer headers (ADR 0028): CloudFront alone can invoke it.
    this.redirectFunction = new TouchpointFunction(this, 'RedirectFunction', {
      entry: withFrontDoor ? 'functions/handlers/redirect-url.ts' : 'functions/handlers/redirect.ts',
      description: 'Touchpoint: short link redirect and click capture (hot path)',
      memorySize: 1024,
      timeout: Duration.seconds(5),
      environment: withFrontDoor ? { ...sharedEnv, TOUCHPOINT_TRUST_EDGE_HEADERS: '1' } : sharedEnv,
      logRemovalPolicy,
      reservedConcurrentExecutions: reserved.redirect,
    }).bindTable(this.table, 'redirect');
    if (withFrontDoor) this.redirectUrlFunction = this.redirectFunction;
    // Printed QR codes depend on this path: callers reach it through the alias `live`, which a deploy
    // moves to the new version 10% at a time (CodeDeploy canary below, ADR 0035).
    this.redirectAlias = new lambda.Alias(this, 'RedirectLive', {
      aliasName: 'live',
      version: this.redirectFunction.currentVersion,
    });

    this.apiFunction = new TouchpointFunction(this, 'ApiFunction', {
      entry: 'functions/handlers/api.ts',
      description: 'Touchpoint: links, QR codes, journeys, API keys, statistics and dashboard',
      memorySize: 1024,
      timeout: Duration.seconds(29),
      environment: sharedEnv,
      logRemovalPolicy,
      bundling: {
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // Ship the dashboard's static files next to the bundle (served from ./dashboard), and the
          // generated OpenAPI document (served from ./openapi.json; a missing file fails the build).
          afterBundling: (inputDir: string, outputDir: string) => [
            `if [ -d "${inputDir}/functions/dashboard/public" ]; then mkdir -p "${outputDir}/dashboard" && cp -R "${inputDir}/functions/dashboard/public/." "${outputDir}/dashboard/"; fi`,
            `cp "${inputDir}/functions/api/actions/openapi.json" "${outputDir}/openapi.json"`,
          ],
        },
      },
    }).bindTable(this.table, 'api');
    // The HTTP API calls the alias `live` too, which a deploy moves by canary like the redirect's (ADR 0035).
    this.apiAlias = new lambda.Alias(this, 'ApiLive', {
      aliasName: 'live',
      version: this.apiFunction.currentVersion,
    });

    this.aggregateFunction = new TouchpointFunction(this, 'AggregateFunction', {
      entry: 'functions/handlers/aggregate.ts',
      description: 'Touchpoint: aggregates raw clicks from the table stream into counters and journeys',
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: sharedEnv,
      logRemovalPolicy,
      reservedConcurrentExecutions: reserved.aggregate,
    }).bindTable(this.table, 'aggregate');
    // A deployment updates the aggregator before the redirect: the redirect's visitor ids name their
    // first click, and only this aggregator knows that such a click writes no journey state (ADR 0015).
    this.redirectFunction.node.addDependency(this.aggregateFunction);

    // --- Stream consumer -----------------------------------------------------------------------
    this.deadLetterQueue = new sqs.Queue(this, 'AggregateDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(this.deadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason: "This queue is the dead-letter queue of the aggregator's stream mapping.",
      },
    ]);
    this.aggregateFunction.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: AGGREGATE_BATCH_SIZE,
        // Numbers may trail clicks by 25 s (ADR 59): gathering 20 s of clicks per batch writes the
        // per-batch items (checkpoint, delta) once for many clicks. Measured with the bench's write-cost
        // figure at 1 click/s: 3.5 write units per click with a 5 s window, 2.4 with 20 s.
        maxBatchingWindow: Duration.seconds(AGGREGATE_BATCHING_WINDOW_SECONDS),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        // One batch per shard at a time: per-shard checkpoints rely on in-order delivery.
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.deadLetterQueue),
        // Only inserts of raw clicks and conversions (ADR 57); the aggregate's own counter/checkpoint
        // writes never re-trigger it.
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: {
              Keys: {
                [TABLE_KEYS.pk]: {
                  S: [...lambda.FilterRule.beginsWith('CLICK#'), ...lambda.FilterRule.beginsWith('CONV#')],
                },
              },
            },
          }),
        ],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      this.aggregateFunction.role ?? this.aggregateFunction,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "dynamodb:ListStreams, granted by the stream event source, has no resource-level permissions and needs *; every other stream action is on this table's stream.",
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );

    // The one place pending counter deltas are applied to the counters, once due (ADR 0009, 0061): the
    // stream consumer only commits batches. Idempotent and exactly once.
    new events.Rule(this, 'ApplyPendingDeltas', {
      description: 'Touchpoint: applies pending counter deltas to the counters once they are due',
      schedule: events.Schedule.rate(Duration.seconds(APPLY_SCHEDULE_SECONDS)),
      targets: [new targets.LambdaFunction(this.aggregateFunction, { retryAttempts: 2 })],
    });

    // --- Routes: exactly the shared route table -------------------------------------------------
    // Behind the front door the redirect routes are left out: the HTTP API's endpoint stays open (it is
    // the API's origin), and must not be a way around WAF and CloudFront to the redirect (ADR 0030).
    const integrations: Partial<Record<FunctionName, HttpLambdaIntegration>> = {
      // One resource-policy statement per function for the whole API instead of one per route.
      api: new HttpLambdaIntegration('ApiIntegration', this.apiAlias, { scopePermissionToRoute: false }),
      ...(withFrontDoor
        ? {}
        : {
            redirect: new HttpLambdaIntegration('RedirectIntegration', this.redirectAlias, {
              scopePermissionToRoute: false,
            }),
          }),
    };
    for (const route of ROUTES) {
      const integration = integrations[route.fn];
      if (!integration) continue;
      const httpRoute = new apigwv2.HttpRoute(
        this,
        `Route ${route.method} ${route.path.replaceAll('/', '_')}`,
        {
          httpApi: this.httpApi,
          routeKey: apigwv2.HttpRouteKey.with(route.path, apigwv2.HttpMethod[route.method]),
          integration,
        },
      );
      NagSuppressions.addResourceSuppressions(httpRoute, [
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'The API function authenticates every /api route itself (Bearer API keys with roles, failed-key limiter; ADRs 7, 29); redirects, /healthz, /t.js and the dashboard files are public by design.',
        },
      ]);
    }
    this.apiGuard = new HttpApiGuard(this, 'HttpApiGuard', {
      httpApi: this.httpApi,
      throttle: props.apiThrottle,
      logRemovalPolicy,
    });

    // --- Front door: CloudFront + WAF for the short domains ----------------------------------------
    if (withFrontDoor && props.certificateArn && props.webAclArn) {
      this.frontDoor = new FrontDoor(this, 'FrontDoor', {
        redirectFunction: this.redirectAlias,
        httpApi: this.httpApi,
        domainNames: domains,
        certificateArn: props.certificateArn,
        webAclArn: props.webAclArn,
        hostedZone: props.hostedZone,
      });
      this.distribution = this.frontDoor.distribution;
      this.webAclArn = props.webAclArn;
      // The service's other names are never valid destinations (a link to them would loop).
      this.apiFunction.addEnvironment(
        'TOUCHPOINT_SHORT_DOMAIN_ALIASES',
        [
          this.distribution.distributionDomainName,
          Fn.select(2, Fn.split('/', this.httpApi.apiEndpoint)),
        ].join(','),
      );
    }

    // --- Operations: alarms that notify someone, metrics, a dashboard (issue 17) -----------------
    this.operations = new Operations(this, 'Operations', {
      redirectFunction: this.redirectFunction,
      apiFunction: this.apiFunction,
      aggregateFunction: this.aggregateFunction,
      table: this.table,
      httpApi: this.httpApi,
      deadLetterQueue: this.deadLetterQueue,
      alarmEmail: props.alarmEmail,
      webAclMetricName: withFrontDoor ? props.webAclMetricName : undefined,
    });

    const redirectDeployment = new codedeploy.LambdaDeploymentGroup(this, 'RedirectDeployment', {
      alias: this.redirectAlias,
      deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
      alarms: this.operations.redirectDeployAlarms,
    });
    const apiDeployment = new codedeploy.LambdaDeploymentGroup(this, 'ApiDeployment', {
      alias: this.apiAlias,
      deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
      alarms: this.operations.apiDeployAlarms,
    });
    for (const deployment of [redirectDeployment, apiDeployment])
      NagSuppressions.addResourceSuppressions(
        deployment,
        [
          {
            id: 'AwsSolutions-IAM4',
            reason:
              "AWSCodeDeployRoleForLambdaLimited is AWS's policy for CodeDeploy shifting a Lambda alias; it is already the limited variant.",
            appliesTo: [
              'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited',
            ],
          },
        ],
        true,
      );

    // --- Outputs -------------------------------------------------------------------------------
    new CfnOutput(this, 'ApiUrl', { description: 'HTTP API endpoint', value: this.httpApi.apiEndpoint });
    new CfnOutput(this, 'BaseUrl', { description: 'Short-link base URL', value: baseUrl });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Failed click batches of the aggregate function',
      value: this.deadLetterQueue.queueUrl,
    });
  }
}
