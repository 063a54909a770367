import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GSI1, keys, TABLE_KEYS } from '#shared/keys';
import { ROUTES } from '#shared/routes';
import { TouchpointStack, type TouchpointStackProps } from '../../lib/touchpoint-stack';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };
type Json = Record<string, unknown>;

/** Same feature flags as `cdk synth` (cdk.json), bundling skipped so a synth takes well under a second. */
function synth(props: TouchpointStackProps = {}): Template {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Json;
  };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new TouchpointStack(app, 'TouchpointTest', {
    env: { account: '123456789012', region: 'eu-west-1' },
    ...props,
  });
  return Template.fromStack(stack);
}

/** Logical id of the single resource of `type` whose properties match `props`. */
function logicalId(template: Template, type: string, props: Json): string {
  const found = Object.keys(template.findResources(type, { Properties: props }));
  expect(found, `${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0]!;
}

function functionId(template: Template, entry: 'redirect' | 'api' | 'aggregate'): string {
  const all = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  const ids = Object.keys(all).filter((id) => id.toLowerCase().startsWith(`${entry}function`));
  expect(ids, `function ${entry}`).toHaveLength(1);
  return ids[0]!;
}

/** Every statement of every IAM policy attached to the role of `fnId`. */
function roleStatements(template: Template, fnId: string): Json[] {
  const fn = template.toJSON().Resources[fnId] as Resource;
  const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, Resource>;
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleRef))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Json[] }).Statement);
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const actionsOf = (statements: Json[]): string[] => statements.flatMap((s) => asList(s.Action) as string[]);
const isTableArn = (r: unknown): boolean =>
  JSON.stringify(r).match(/^\{"Fn::GetAtt":\["Table[0-9A-F]+","Arn"\]\}$/) !== null;
const dynamoStatements = (statements: Json[]): Json[] =>
  statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));

describe('TouchpointStack (defaults)', () => {
  let template: Template;
  beforeAll(() => {
    template = synth();
  });

  it('has one on-demand table with pk/sk, gsi1, TTL, NEW_IMAGE stream and PITR, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_KEYS.pk, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sk, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: [
          {
            IndexName: GSI1,
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });

  it('runs three arm64 functions on Node.js 24 with ESM source maps and the shared environment', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    const fns = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({
        Architectures: ['arm64'],
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            TABLE_NAME: { Ref: expect.stringMatching(/^Table/) },
            CLICK_RETENTION_DAYS: '395',
            TOUCHPOINT_SHORT_DOMAINS: '',
            VISITOR_COOKIES: 'on',
            LINK_CACHE_TTL_SECONDS: '10',
          },
        },
      });
      // Without a custom domain, links are built on the HTTP API's own endpoint.
      expect((fn.Properties.Environment as { Variables: Json }).Variables.TOUCHPOINT_BASE_URL).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^HttpApi/), 'ApiEndpoint'],
      });
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogGroup: { Ref: expect.stringMatching(/Logs/) } });
    }
    expect(fns[functionId(template, 'redirect')]!.Properties.MemorySize).toBe(1024);
    expect(fns[functionId(template, 'api')]!.Properties.MemorySize).toBe(1024);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('creates exactly the ROUTES, each integrated with the named function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[];
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, Resource>;
    expect(Object.keys(integrations)).toHaveLength(2);
    const fnOfIntegration = (target: unknown): string => {
      const id = ((target as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][1] as Json).Ref as string;
      const uri = integrations[id]!.Properties.IntegrationUri as {
        'Fn::GetAtt'?: [string, string];
        Ref?: string;
      };
      if (uri['Fn::GetAtt']) return uri['Fn::GetAtt'][0];
      // The redirect is integrated through its alias `live` (canary deploys): the alias's function.
      const alias = template.toJSON().Resources[uri.Ref!] as Resource;
      expect(alias.Type).toBe('AWS::Lambda::Alias');
      return (alias.Properties.FunctionName as { Ref: string }).Ref;
    };
    const expected = ROUTES.map((r) => `${r.method} ${r.path} -> ${functionId(template, r.fn)}`).sort();
    const actual = routes
      .map((r) => `${r.Properties.RouteKey as string} -> ${fnOfIntegration(r.Properties.Target)}`)
      .sort();
    expect(actual).toEqual(expected);
    expect(actual).toContain(`ANY /api/{proxy+} -> ${functionId(template, 'api')}`);
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    // One invoke permission per function for the whole API (the third is the schedule's, below).
    const fromApi = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (p) => (p as Resource).Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(fromApi).toHaveLength(2);
  });

  it('lets the redirect function only GetItem and PutItem on the table', () => {
    const statements = dynamoStatements(roleStatements(template, functionId(template, 'redirect')));
    expect(statements).toHaveLength(1);
    expect(new Set(actionsOf(statements))).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:PutItem']));
    expect(asList(statements[0]!.Resource)).toHaveLength(1);
    expect(isTableArn(asList(statements[0]!.Resource)[0])).toBe(true);
    const all = actionsOf(roleStatements(template, functionId(template, 'redirect')));
    expect(all.filter((a) => /^dynamodb:(.*Scan|Delete|\*|.*Stream|Batch|Transact)/.test(a))).toEqual([]);
  });

  it('lets each function write its own log group only, with no managed policy', () => {
    for (const fn of ['redirect', 'api', 'aggregate'] as const) {
      const id = functionId(template, fn);
      const logStatements = roleStatements(template, id).filter((s) =>
        actionsOf([s]).some((a) => a.startsWith('logs:')),
      );
      expect(new Set(actionsOf(logStatements)), fn).toEqual(
        new Set(['logs:CreateLogStream', 'logs:PutLogEvents']),
      );
      const logGroupId = ((template.toJSON().Resources[id] as Resource).Properties.LoggingConfig as Json)
        .LogGroup as Json;
      expect(JSON.stringify(logStatements[0]!.Resource), fn).toContain((logGroupId as { Ref: string }).Ref);
      const roleId = (
        (template.toJSON().Resources[id] as Resource).Properties.Role as { 'Fn::GetAtt': [string] }
      )['Fn::GetAtt'][0];
      expect(
        (template.toJSON().Resources[roleId] as Resource).Properties.ManagedPolicyArns,
        fn,
      ).toBeUndefined();
    }
  });

  it('lets the api function read and write items and query gsi1, but not scan', () => {
    const statements = dynamoStatements(roleStatements(template, functionId(template, 'api')));
    expect(statements).toHaveLength(1);
    expect(new Set(actionsOf(statements))).toEqual(
      new Set([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
      ]),
    );
    const resources = asList(statements[0]!.Resource);
    expect(resources).toHaveLength(2);
    expect(resources.some(isTableArn)).toBe(true);
    expect(JSON.stringify(resources)).toContain('/index/gsi1');
  });

  it('lets the aggregate function write counters and read the stream, nothing else on the table', () => {
    const statements = dynamoStatements(roleStatements(template, functionId(template, 'aggregate')));
    const onTable = statements.filter((s) => asList(s.Resource).some(isTableArn));
    expect(new Set(actionsOf(onTable))).toEqual(
      new Set([
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'dynamodb:UpdateItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
      ]),
    );
    // Deleting is allowed only under the pending-delta partitions (DELTA#<slot>), by an IAM condition.
    const deletes = onTable.filter((s) => actionsOf([s]).includes('dynamodb:DeleteItem'));
    expect(deletes).toHaveLength(1);
    expect(actionsOf(deletes)).toEqual(['dynamodb:DeleteItem']);
    expect(deletes[0]!.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DELTA#*'] },
    });
    const streamActions = actionsOf(statements.filter((s) => !onTable.includes(s)));
    expect(streamActions).toEqual(
      expect.arrayContaining(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']),
    );
    expect(streamActions.filter((a) => !/Stream|GetRecords|GetShardIterator/.test(a))).toEqual([]);
    // It may send failed batches to its dead-letter queue.
    expect(actionsOf(roleStatements(template, functionId(template, 'aggregate')))).toContain(
      'sqs:SendMessage',
    );
  });

  it('grants no dynamodb:* and no Scan anywhere in the stack', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
    expect(policies.length).toBeGreaterThanOrEqual(3);
    const actions = actionsOf(
      policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Json[] }).Statement),
    );
    expect(actions).not.toContain('dynamodb:*');
    expect(
      actions.filter((a) => /Scan|^\*$|dynamodb:\*|DeleteTable|UpdateTable|CreateTable/.test(a)),
    ).toEqual([]);
  });

  it('feeds only raw click inserts to the aggregate function, in bisecting batches with a DLQ', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(template, 'aggregate') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Table'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 20, // ADR 59: freshness 25 s
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      ParallelizationFactor: 1,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AggregateDeadLetterQueue'), 'Arn'] },
        },
      },
      FilterCriteria: { Filters: [{ Pattern: Match.anyValue() }] },
    });
    const esm = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as Resource;
    const pattern = JSON.parse(
      (esm.Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters[0]!.Pattern,
    );
    expect(pattern).toEqual({
      eventName: ['INSERT'],
      dynamodb: { Keys: { pk: { S: [{ prefix: 'CLICK#' }, { prefix: 'CONV#' }] } } },
    });
    // The prefixes of the keys raw clicks and conversions are stored under.
    expect(keys.click('2026-12-05T10', 3, '2026-12-05T10:00:00.000Z', 'c1').pk).toMatch(/^CLICK#/);
    expect(keys.conversion('purchase', 'o1').pk).toMatch(/^CONV#/);
  });

  it('updates the aggregate function before the redirect function (ADR 15)', () => {
    const redirect = template.toJSON().Resources[functionId(template, 'redirect')] as Resource;
    expect(asList(redirect.DependsOn)).toContain(functionId(template, 'aggregate'));
  });

  it('invokes the aggregate function every minute to apply pending deltas', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(template, 'aggregate'), 'Arn'] } })],
    });
    // The scheduled run publishes the age of the oldest pending delta; the stack alarms on it.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Touchpoint',
      MetricName: 'PendingDeltaAgeSeconds',
      Threshold: 1200,
      Dimensions: [{ Name: 'service', Value: 'aggregate' }],
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [functionId(template, 'aggregate'), 'Arn'] },
    });
  });

  it('keeps failed batches 14 days in an encrypted queue, alarmed, and outputs the URLs', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasOutput('ApiUrl', {});
    template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('^Table') } });
    template.hasOutput('DeadLetterQueueUrl', {
      Value: { Ref: Match.stringLikeRegexp('^AggregateDeadLetterQueue') },
    });
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });
});

describe('TouchpointStack (custom domains, dev removal)', () => {
  let template: Template;
  const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
  beforeAll(() => {
    template = synth({
      domainNames: ['go.example.com', 'Link.Example.org'],
      certificateArn,
      webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/tp/abc',
      clickRetentionDays: 90,
      destroyOnRemoval: true,
    });
  });

  it('serves the domains through CloudFront, not API Gateway custom domains (front-door.test.ts)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    const distributionId = logicalId(template, 'AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ Aliases: ['go.example.com', 'link.example.org'] }),
    });
    expect(distributionId).toMatch(/Distribution/);
  });

  it('builds links on the first domain and accepts the others', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TOUCHPOINT_BASE_URL: 'https://go.example.com',
          TOUCHPOINT_SHORT_DOMAINS: 'link.example.org',
          CLICK_RETENTION_DAYS: '90',
        }),
      },
    });
  });

  it('deletes the table with a dev stack', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('refuses domains without a certificate', () => {
    expect(() => synth({ domainNames: ['go.example.com'] })).toThrow(/certificateArn/);
  });
});
