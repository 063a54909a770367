import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { VISITOR_COOKIE } from '#clicks/visitor';
import { ROUTES } from '#shared/routes';
import { REDIRECT_HEADERS, VIEWER_HOST_HEADER, VISITOR_COOKIE_NAME } from '../../lib/front-door';
import { ACCESS_LOG_FORMAT } from '../../lib/http-api-guard';
import {
  buildTouchpointApp,
  settingsFromContext,
  type TouchpointApp,
  type TouchpointAppSettings,
} from '../../lib/touchpoint-app';

type Json = Record<string, unknown>;
type Resource = { Type: string; Properties: Json };

/** CloudFront's managed policies, by their fixed ids. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

const FRONT_DOOR: Partial<TouchpointAppSettings> = {
  domainNames: ['go.example.com', 'qr.example.com'],
  hostedZone: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' },
};

/** The deployment `bin/app.ts` builds from these settings, with cdk.json's feature flags, unbundled. */
function build(settings: Partial<TouchpointAppSettings> = {}): TouchpointApp {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Json;
  };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  return buildTouchpointApp(app, {
    stackName: 'Touchpoint',
    account: '123456789012',
    region: 'eu-west-1',
    domainNames: [],
    destroyOnRemoval: false,
    ...settings,
  });
}

function only(template: Template, type: string): Resource {
  const found = Object.values(template.findResources(type)) as Resource[];
  expect(found, type).toHaveLength(1);
  return found[0]!;
}

function functionsById(template: Template): Record<string, Resource> {
  return template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
}

function idOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}*`).toHaveLength(1);
  return ids[0]!;
}

const variables = (fn: Resource): Json => (fn.Properties.Environment as { Variables: Json }).Variables;

interface Behavior extends Json {
  PathPattern?: string;
  TargetOriginId: string;
  CachePolicyId: unknown;
  OriginRequestPolicyId?: unknown;
  AllowedMethods: string[];
  ViewerProtocolPolicy: string;
  FunctionAssociations?: { EventType: string; FunctionARN: unknown }[];
}

describe('front door (branded domains in a Route 53 zone)', () => {
  let deployment: TouchpointApp;
  let main: Template;
  let edge: Template;
  let config: Json;
  let behaviors: Behavior[];
  const origin = (b: Behavior): Json =>
    (config.Origins as Json[]).find((o) => o.Id === b.TargetOriginId) as Json;
  const behavior = (path: string): Behavior => behaviors.find((b) => b.PathPattern === path)!;

  beforeAll(() => {
    deployment = build(FRONT_DOOR);
    main = Template.fromStack(deployment.main);
    edge = Template.fromStack(deployment.edge!);
    config = only(main, 'AWS::CloudFront::Distribution').Properties.DistributionConfig as Json;
    behaviors = [
      config.DefaultCacheBehavior as Behavior,
      ...((config.CacheBehaviors as Behavior[] | undefined) ?? []),
    ];
  });

  it('serves the domains over HTTP/2 and HTTP/3 with TLS 1.2+ and the us-east-1 certificate', () => {
    expect(config).toMatchObject({
      Enabled: true,
      HttpVersion: 'http2and3',
      IPV6Enabled: true,
      Aliases: ['go.example.com', 'qr.example.com'],
      ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
    });
    // The certificate and the web ACL come from the us-east-1 stack, across regions.
    const fromEdge = (value: unknown) =>
      expect(value).toEqual({
        'Fn::GetStackOutput': expect.objectContaining({ StackName: 'TouchpointEdge', Region: 'us-east-1' }),
      });
    fromEdge((config.ViewerCertificate as Json).AcmCertificateArn);
    fromEdge(config.WebACLId);
    expect(deployment.edge!.region).toBe('us-east-1');
    edge.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'go.example.com',
      SubjectAlternativeNames: ['qr.example.com'],
      ValidationMethod: 'DNS',
      DomainValidationOptions: Match.arrayWith([
        { DomainName: 'go.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      ]),
    });
  });

  it('adds an alias A and AAAA record per domain, pointing at the distribution', () => {
    const records = Object.values(main.findResources('AWS::Route53::RecordSet')) as Resource[];
    const distributionId = idOf(main, 'AWS::CloudFront::Distribution', 'FrontDoorDistribution');
    const seen = records.map((r) => {
      expect(r.Properties.HostedZoneId).toBe('Z0123456789ABCDEFGHIJ');
      expect(JSON.stringify(r.Properties.AliasTarget)).toContain(distributionId);
      return `${r.Properties.Type} ${r.Properties.Name}`;
    });
    expect(seen.sort()).toEqual([
      'A go.example.com.',
      'A qr.example.com.',
      'AAAA go.example.com.',
      'AAAA qr.example.com.',
    ]);
  });

  it('sends redirects, uncached, to the streaming function URL with IAM auth, signed by origin access control', () => {
    const redirect = config.DefaultCacheBehavior as Behavior;
    expect(redirect.CachePolicyId).toBe(CACHING_DISABLED);
    expect(redirect.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(redirect.ViewerProtocolPolicy).toBe('redirect-to-https');

    const url = only(main, 'AWS::Lambda::Url');
    const redirectFn = deployment.main.redirectFunction;
    expect(url.Properties).toEqual({
      AuthType: 'AWS_IAM',
      InvokeMode: 'RESPONSE_STREAM',
      TargetFunctionArn: { 'Fn::GetAtt': [idOf(main, 'AWS::Lambda::Function', 'RedirectFunction'), 'Arn'] },
      // The alias a canary deploy moves (ADR 0035): CloudFront always calls `live`.
      Qualifier: 'live',
    });
    expect(redirectFn.entry).toBe('functions/handlers/redirect-url.ts');
    expect(deployment.main.redirectUrlFunction).toBe(redirectFn);

    const urlId = idOf(main, 'AWS::Lambda::Url', 'FrontDoorRedirectUrl');
    expect(origin(redirect).DomainName).toEqual({
      'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [urlId, 'FunctionUrl'] }] }],
    });
    const oacId = idOf(main, 'AWS::CloudFront::OriginAccessControl', 'FrontDoor');
    expect(origin(redirect).OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
    main.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 'lambda',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
        Name: Match.anyValue(),
      },
    });
  });

  it('forwards to the redirect the query, the visitor cookie and exactly the headers it reads', () => {
    expect(VISITOR_COOKIE_NAME).toBe(VISITOR_COOKIE);
    const redirect = config.DefaultCacheBehavior as Behavior;
    const policyId = (redirect.OriginRequestPolicyId as { Ref: string }).Ref;
    const policy = main.toJSON().Resources[policyId] as Resource;
    const policyConfig = policy.Properties.OriginRequestPolicyConfig as Json;
    expect(policyConfig.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(policyConfig.CookiesConfig).toEqual({ CookieBehavior: 'whitelist', Cookies: [VISITOR_COOKIE] });
    const forwarded = (policyConfig.HeadersConfig as { HeaderBehavior: string; Headers: string[] }).Headers;
    expect((policyConfig.HeadersConfig as Json).HeaderBehavior).toBe('whitelist');
    expect(forwarded).toEqual(
      expect.arrayContaining(['cloudfront-viewer-country', 'cloudfront-viewer-address']),
    );
    expect(forwarded).not.toContain('host'); // the function URL must get its own host name

    // Every header the redirect code reads is forwarded (the cookie header by the cookie setting).
    const sources = [
      'functions/redirect/service.ts',
      'functions/redirect/viewer.ts',
      'functions/handlers/redirect.ts',
    ]
      .map((f) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8'))
      .join('\n');
    const read = [...sources.matchAll(/headers?\(\s*(?:event,\s*)?'([a-z0-9-]+)'\s*\)/g)].map((m) => m[1]!);
    expect(read.length).toBeGreaterThan(4);
    const needed = new Set(read.filter((h) => h !== 'cookie' && h !== 'host'));
    expect([...needed].filter((h) => !forwarded.includes(h))).toEqual([]);
    expect(new Set(forwarded)).toEqual(new Set(REDIRECT_HEADERS));
  });

  it("passes the viewer's host name to the redirect, which would otherwise see the function URL's", () => {
    const redirect = config.DefaultCacheBehavior as Behavior;
    expect(redirect.FunctionAssociations).toHaveLength(1);
    expect(redirect.FunctionAssociations![0]!.EventType).toBe('viewer-request');
    const fn = only(main, 'AWS::CloudFront::Function');
    expect(fn.Properties.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    // Run the function as CloudFront would, on a request whose client also sent its own header.
    const handler = runInNewContext(`${fn.Properties.FunctionCode as string}; handler`) as (e: Json) => Json;
    const request = {
      method: 'GET',
      uri: '/spring',
      headers: { host: { value: 'qr.example.com' }, [VIEWER_HOST_HEADER]: { value: 'evil.example' } },
    };
    const out = handler({ request }) as { headers: Record<string, { value: string }> };
    expect(out.headers[VIEWER_HOST_HEADER]).toEqual({ value: 'qr.example.com' });
    expect(out.headers.host).toEqual({ value: 'qr.example.com' });
    // No Host (should CloudFront ever pass such a request): the client's own value does not get through.
    const hostless = handler({
      request: { ...request, headers: { [VIEWER_HOST_HEADER]: { value: 'evil.example' } } },
    });
    expect((hostless as { headers: Json }).headers).toEqual({});
  });

  it('lets only this distribution invoke the function URL', () => {
    const distributionId = idOf(main, 'AWS::CloudFront::Distribution', 'FrontDoorDistribution');
    const redirectId = idOf(main, 'AWS::Lambda::Function', 'RedirectFunction');
    const urlId = idOf(main, 'AWS::Lambda::Url', 'FrontDoorRedirectUrl');
    // Every permission on the redirect function, named by its ARN or by its URL's FunctionArn.
    const permissions = (Object.values(main.findResources('AWS::Lambda::Permission')) as Resource[]).filter(
      (p) => [redirectId, urlId].some((id) => JSON.stringify(p.Properties.FunctionName).includes(`"${id}"`)),
    );
    expect(permissions.map((p) => p.Properties.Action).sort()).toEqual([
      'lambda:InvokeFunction',
      'lambda:InvokeFunctionUrl',
    ]);
    for (const p of permissions) {
      expect(p.Properties.Principal).toBe('cloudfront.amazonaws.com');
      expect(JSON.stringify(p.Properties.SourceArn)).toMatch(
        new RegExp(`:cloudfront::.*:distribution/.*${distributionId}`),
      );
    }
    const invoke = permissions.find((p) => p.Properties.Action === 'lambda:InvokeFunction')!;
    expect(invoke.Properties.InvokedViaFunctionUrl).toBe(true);
    // Not API Gateway, not anyone.
    expect(permissions.some((p) => p.Properties.FunctionUrlAuthType === 'NONE')).toBe(false);
  });

  it('sends /api/*, /healthz, /t.js and /dashboard(/*) to the HTTP API without its Host; caches only static files', () => {
    const api = behavior('/api/*');
    expect(api).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      ViewerProtocolPolicy: 'https-only',
    });
    expect(api.AllowedMethods.sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    const apiOrigin = origin(api);
    expect(apiOrigin.DomainName).toEqual({
      'Fn::Select': [
        2,
        {
          'Fn::Split': [
            '/',
            { 'Fn::GetAtt': [idOf(main, 'AWS::ApiGatewayV2::Api', 'HttpApi'), 'ApiEndpoint'] },
          ],
        },
      ],
    });
    expect(apiOrigin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
    expect(behavior('/healthz')).toMatchObject({
      TargetOriginId: api.TargetOriginId,
      CachePolicyId: CACHING_DISABLED,
    });

    const dashboard = [behavior('/dashboard'), behavior('/dashboard/*'), behavior('/t.js')];
    for (const b of dashboard) {
      expect(b.TargetOriginId).toBe(api.TargetOriginId);
      expect(b.AllowedMethods).toEqual(['GET', 'HEAD']);
      const cache = main.toJSON().Resources[(b.CachePolicyId as { Ref: string }).Ref] as Resource;
      // Kept only as long as the file's own Cache-Control says; nothing without one.
      expect(cache.Properties.CachePolicyConfig).toMatchObject({ MinTTL: 0, DefaultTTL: 0 });
    }
    expect(behaviors.filter((b) => b.CachePolicyId !== CACHING_DISABLED)).toEqual(dashboard);
  });

  it('routes every API route to the HTTP API and every possible slug to the redirect', () => {
    // CloudFront path patterns: '*' any characters, '?' one; the first matching behaviour wins.
    const served = (path: string): 'api' | 'redirect' => {
      const hit = behaviors.slice(1).find((b) => {
        const re = b
          .PathPattern!.replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.');
        return new RegExp(`^${re}$`).test(path);
      });
      return hit ? 'api' : 'redirect';
    };
    for (const route of ROUTES) {
      const path = route.path.replace(/\{[^}]+\}/g, 'x1');
      expect(`${route.path} -> ${served(path)}`).toBe(`${route.path} -> ${route.fn}`);
    }
    // Slugs that merely start like the API's paths are links (only the exact words are reserved).
    for (const slug of ['dashboard-promo', 'dashboards', 'apiary', 'api-docs', 'healthzone', 'spring']) {
      expect(`/${slug} -> ${served(`/${slug}`)}`).toBe(`/${slug} -> redirect`);
    }
  });

  it('leaves the redirect routes off the HTTP API, so its open endpoint is no way around WAF', () => {
    const routeKeys = (Object.values(main.findResources('AWS::ApiGatewayV2::Route')) as Resource[]).map(
      (r) => r.Properties.RouteKey,
    );
    expect(routeKeys.sort()).toEqual(
      ROUTES.filter((r) => r.fn !== 'redirect')
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    );
    expect(routeKeys.filter((k) => String(k).includes('{slug}'))).toEqual([]);
    const fromApiGateway = (
      Object.values(main.findResources('AWS::Lambda::Permission')) as Resource[]
    ).filter((p) => p.Properties.Principal === 'apigateway.amazonaws.com');
    const redirectId = idOf(main, 'AWS::Lambda::Function', 'RedirectFunction');
    expect(
      fromApiGateway.filter((p) => JSON.stringify(p.Properties.FunctionName).includes(redirectId)),
    ).toEqual([]);
  });

  it("trusts edge headers on the function-URL redirect only, and refuses the service's other host names as destinations", () => {
    const fns = functionsById(main);
    const trusting = Object.entries(fns)
      .filter(([, fn]) => variables(fn).TOUCHPOINT_TRUST_EDGE_HEADERS !== undefined)
      .map(([id]) => id);
    expect(trusting).toEqual([idOf(main, 'AWS::Lambda::Function', 'RedirectFunction')]);
    expect(variables(fns[trusting[0]!]!).TOUCHPOINT_TRUST_EDGE_HEADERS).toBe('1');

    const apiFn = fns[idOf(main, 'AWS::Lambda::Function', 'ApiFunction')]!;
    const aliases = JSON.stringify(variables(apiFn).TOUCHPOINT_SHORT_DOMAIN_ALIASES);
    expect(aliases).toContain(idOf(main, 'AWS::CloudFront::Distribution', 'FrontDoorDistribution'));
    expect(aliases).toContain('DomainName');
    expect(aliases).toContain(idOf(main, 'AWS::ApiGatewayV2::Api', 'HttpApi'));
    expect(variables(apiFn).TOUCHPOINT_BASE_URL).toBe('https://go.example.com');
    expect(variables(apiFn).TOUCHPOINT_SHORT_DOMAINS).toBe('qr.example.com');
  });

  it('puts a CLOUDFRONT web ACL in us-east-1 with per-IP rate limits and AWS managed rules', () => {
    const acl = only(edge, 'AWS::WAFv2::WebACL').Properties;
    expect(acl.Scope).toBe('CLOUDFRONT');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    const rules = acl.Rules as Json[];
    const rule = (name: string) => rules.find((r) => r.Name === name) as Json;
    const apiPrefix = {
      ByteMatchStatement: {
        FieldToMatch: { UriPath: {} },
        PositionalConstraint: 'STARTS_WITH',
        SearchString: '/api/',
        TextTransformations: [{ Priority: 0, Type: 'NONE' }],
      },
    };
    const blockWith429 = {
      Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'TooManyRequests' } },
    };
    expect(rule('ApiRatePerIp')).toMatchObject({
      Action: blockWith429,
      Statement: {
        RateBasedStatement: {
          AggregateKeyType: 'IP',
          Limit: 500,
          EvaluationWindowSec: 300,
          ScopeDownStatement: apiPrefix,
        },
      },
    });
    expect(rule('RedirectRatePerIp')).toMatchObject({
      Action: blockWith429,
      Statement: {
        RateBasedStatement: {
          AggregateKeyType: 'IP',
          Limit: 2000,
          ScopeDownStatement: { NotStatement: { Statement: apiPrefix } },
        },
      },
    });
    expect(rule('AWSManagedRulesKnownBadInputsRuleSet')).toMatchObject({
      OverrideAction: { None: {} },
      Statement: {
        ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
      },
    });
    expect(rule('AWSManagedRulesCommonRuleSet')).toMatchObject({
      OverrideAction: { None: {} },
      Statement: {
        ManagedRuleGroupStatement: {
          VendorName: 'AWS',
          Name: 'AWSManagedRulesCommonRuleSet',
          ScopeDownStatement: apiPrefix,
          // Bulk link creation is bigger than the set's 8 KB body limit.
          RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
        },
      },
    });
    // Rate limits come first, so a flood is counted before anything else inspects it.
    expect(rules.map((r) => r.Priority)).toEqual([0, 1, 2, 3]);
    for (const r of rules) expect(r.VisibilityConfig).toMatchObject({ CloudWatchMetricsEnabled: true });
    const body = (acl.CustomResponseBodies as Record<string, { ContentType: string; Content: string }>)
      .TooManyRequests!;
    expect(body.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body.Content)).toEqual({
      error: { code: 'too_many_requests', message: expect.any(String) },
    });
  });

  it('throttles the HTTP API and logs every request as a JSON line', () => {
    const stage = only(main, 'AWS::ApiGatewayV2::Stage').Properties;
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    const settings = stage.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const logsId = idOf(main, 'AWS::Logs::LogGroup', 'HttpApiGuardAccessLogs');
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logsId, 'Arn'] });
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toEqual(ACCESS_LOG_FORMAT);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    // No client address or user agent: Touchpoint stores no raw IP, its logs neither.
    expect(JSON.stringify(format)).not.toMatch(/sourceIp|userAgent/);
    expect(settings.Format).not.toMatch(/authorization|header|querystring|requestBody/i);
    main.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  it('exposes the distribution, the web ACL and the function URL for alarms', () => {
    expect(deployment.main.distribution).toBe(deployment.main.frontDoor!.distribution);
    expect(deployment.main.webAclArn).toBeDefined();
    expect(deployment.main.frontDoor!.functionUrl.authType).toBe('AWS_IAM');
    expect(deployment.edge!.webAcl!.metricName).toBe('TouchpointFrontDoor');
  });
});

describe('cost guards from context', () => {
  it('are off by default: no reserved concurrency, no write cap', () => {
    const main = Template.fromStack(build().main);
    for (const fn of Object.values(functionsById(main))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    expect(only(main, 'AWS::DynamoDB::Table').Properties.OnDemandThroughput).toBeUndefined();
  });

  it('reserve concurrency for the redirect and the aggregator and cap table writes', () => {
    const deployment = build({
      ...FRONT_DOOR,
      redirectReservedConcurrency: 200,
      aggregateReservedConcurrency: 5,
      tableMaxWriteRequestUnits: 1000,
      apiThrottleRateLimit: 20,
      apiThrottleBurstLimit: 40,
      wafRedirectRequestsPer5Min: 3000,
      wafApiRequestsPer5Min: 100,
    });
    const main = Template.fromStack(deployment.main);
    const fns = functionsById(main);
    expect(
      fns[idOf(main, 'AWS::Lambda::Function', 'RedirectFunction')]!.Properties.ReservedConcurrentExecutions,
    ).toBe(200);
    expect(
      fns[idOf(main, 'AWS::Lambda::Function', 'AggregateFunction')]!.Properties.ReservedConcurrentExecutions,
    ).toBe(5);
    expect(
      fns[idOf(main, 'AWS::Lambda::Function', 'ApiFunction')]!.Properties.ReservedConcurrentExecutions,
    ).toBeUndefined();
    expect(only(main, 'AWS::DynamoDB::Table').Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      OnDemandThroughput: { MaxWriteRequestUnits: 1000 },
    });
    expect(only(main, 'AWS::ApiGatewayV2::Stage').Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 20,
      ThrottlingBurstLimit: 40,
    });
    const rules = only(Template.fromStack(deployment.edge!), 'AWS::WAFv2::WebACL').Properties.Rules as {
      Name: string;
      Statement: { RateBasedStatement?: { Limit: number } };
    }[];
    expect(
      Object.fromEntries(rules.map((r) => [r.Name, r.Statement.RateBasedStatement?.Limit])),
    ).toMatchObject({
      ApiRatePerIp: 100,
      RedirectRatePerIp: 3000,
    });
  });

  it('refuse limits that would not deploy', () => {
    expect(() => build({ redirectReservedConcurrency: 0 })).toThrow(/redirect must be a positive integer/);
    expect(() => build({ tableMaxWriteRequestUnits: 2.5 })).toThrow(/tableMaxWriteRequestUnits/);
    expect(() => build({ ...FRONT_DOOR, wafApiRequestsPer5Min: 5 })).toThrow(/apiRequestsPer5Min must be/);
    expect(() => build({ apiThrottleRateLimit: -1 })).toThrow(/rateLimit must be a positive/);
  });
});

describe('deployment variants', () => {
  it('without domains: one stack, the HTTP API serves redirects too, no CloudFront, nothing trusts edge headers', () => {
    const deployment = build();
    expect(deployment.edge).toBeUndefined();
    const main = Template.fromStack(deployment.main);
    main.resourceCountIs('AWS::CloudFront::Distribution', 0);
    main.resourceCountIs('AWS::Lambda::Url', 0);
    const routeKeys = (Object.values(main.findResources('AWS::ApiGatewayV2::Route')) as Resource[]).map(
      (r) => r.Properties.RouteKey,
    );
    expect(routeKeys).toEqual(expect.arrayContaining(['GET /{slug}', 'HEAD /{slug}']));
    for (const fn of Object.values(functionsById(main))) {
      expect(variables(fn).TOUCHPOINT_TRUST_EDGE_HEADERS).toBeUndefined();
    }
    expect(deployment.main.redirectFunction.entry).toBe('functions/handlers/redirect.ts');
    // Throttled and logged all the same.
    expect(only(main, 'AWS::ApiGatewayV2::Stage').Properties.AccessLogSettings).toBeDefined();
  });

  it('with a certificate ARN and a web ACL ARN: no us-east-1 stack, no DNS records', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
    const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/shared/abc';
    const deployment = build({ domainNames: ['go.example.com'], certificateArn, webAclArn });
    expect(deployment.edge).toBeUndefined();
    const main = Template.fromStack(deployment.main);
    main.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: webAclArn,
        ViewerCertificate: Match.objectLike({ AcmCertificateArn: certificateArn }),
      }),
    });
    main.resourceCountIs('AWS::Route53::RecordSet', 0);
    main.hasOutput('DistributionDomainName', {});
  });

  it('with a certificate ARN only: the us-east-1 stack holds just the web ACL', () => {
    const deployment = build({
      domainNames: ['go.example.com'],
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    });
    const edge = Template.fromStack(deployment.edge!);
    edge.resourceCountIs('AWS::WAFv2::WebACL', 1);
    edge.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });

  it('refuses what CloudFront or DNS would refuse at deploy time', () => {
    expect(() => build({ domainNames: ['go.example.com'] })).toThrow(/certificateArn .* or hostedZoneId/);
    expect(() =>
      build({
        domainNames: ['go.example.com'],
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      }),
    ).toThrow(/us-east-1/);
    expect(() => build({ ...FRONT_DOOR, domainNames: ['go.example.com', 'go.example.org'] })).toThrow(
      /go\.example\.org not in the hosted zone example\.com/,
    );
    expect(() => build({ ...FRONT_DOOR, region: undefined })).toThrow(/region/);
  });
});

describe('settingsFromContext', () => {
  const context = (values: Json) => (name: string) => values[name];

  it('reads the CLI strings into numbers, lists and the hosted zone', () => {
    const s = settingsFromContext(
      context({
        domainNames: ' Go.Example.com, qr.example.com ,',
        hostedZoneId: 'Z1',
        hostedZoneName: 'example.com',
        redirectReservedConcurrency: '50',
        wafApiRequestsPer5Min: 300,
        stackName: 'TouchpointProd',
      }),
      { CDK_DEFAULT_REGION: 'eu-central-1', CDK_DEFAULT_ACCOUNT: '123456789012' },
    );
    expect(s).toMatchObject({
      stackName: 'TouchpointProd',
      region: 'eu-central-1',
      account: '123456789012',
      domainNames: ['go.example.com', 'qr.example.com'],
      hostedZone: { hostedZoneId: 'Z1', zoneName: 'example.com' },
      redirectReservedConcurrency: 50,
      wafApiRequestsPer5Min: 300,
      destroyOnRemoval: false,
    });
    expect(s.aggregateReservedConcurrency).toBeUndefined();
    expect(settingsFromContext(context({ region: 'ap-southeast-2' }), {}).region).toBe('ap-southeast-2');
  });

  it('refuses a number that is not one and half a hosted zone', () => {
    expect(() => settingsFromContext(context({ tableMaxWriteRequestUnits: 'lots' }), {})).toThrow(
      /tableMaxWriteRequestUnits must be a number/,
    );
    expect(() => settingsFromContext(context({ hostedZoneId: 'Z1' }), {})).toThrow(/hostedZoneName/);
  });
});
