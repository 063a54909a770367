import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Per-client-IP request limits of the front door's web ACL, each over a 5-minute window (ADR 0031). */
export interface WebAclLimits {
  /**
   * Requests per client IP per 5 minutes to everything but `/api/*` (redirects, dashboard). Generous:
   * a venue's Wi-Fi or a mobile carrier's NAT puts many people scanning one poster behind one address.
   * @default 2000
   */
  readonly redirectRequestsPer5Min?: number;
  /** Requests per client IP per 5 minutes to `/api/*`: stricter, API clients are few. @default 500 */
  readonly apiRequestsPer5Min?: number;
}

export const DEFAULT_WEB_ACL_LIMITS = { redirectRequestsPer5Min: 2000, apiRequestsPer5Min: 500 } as const;

/** WAF's own bounds on a rate-based rule's limit. */
const MIN_RATE_LIMIT = 10;
const MAX_RATE_LIMIT = 2_000_000_000;
const WINDOW_SECONDS = 300;
const RATE_LIMITED_BODY = 'TooManyRequests';

/** The path prefix CloudFront routes to the HTTP API's management routes (case-sensitive, as CloudFront). */
const API_PREFIX: wafv2.CfnWebACL.StatementProperty = {
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint: 'STARTS_WITH',
    searchString: '/api/',
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
};

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

function checkedLimit(name: string, value: number): number {
  if (!Number.isInteger(value) || value < MIN_RATE_LIMIT || value > MAX_RATE_LIMIT) {
    throw new Error(`Web ACL: ${name} must be an integer ${MIN_RATE_LIMIT}..${MAX_RATE_LIMIT}, got ${value}`);
  }
  return value;
}

function rateRule(
  name: string,
  priority: number,
  limit: number,
  scopeDown: wafv2.CfnWebACL.StatementProperty,
): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    statement: {
      rateBasedStatement: {
        limit,
        aggregateKeyType: 'IP',
        evaluationWindowSec: WINDOW_SECONDS,
        scopeDownStatement: scopeDown,
      },
    },
    // The API's own error shape and status, so clients handle it like any other 429.
    action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY } } },
    visibilityConfig: visibility(name),
  };
}

function managedRule(
  name: string,
  priority: number,
  scopeDown?: wafv2.CfnWebACL.StatementProperty,
  countOnly: string[] = [],
): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ...(scopeDown ? { scopeDownStatement: scopeDown } : {}),
        ...(countOnly.length > 0
          ? { ruleActionOverrides: countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }
          : {}),
      },
    },
    overrideAction: { none: {} },
    visibilityConfig: visibility(name),
  };
}

/**
 * The front door's AWS WAF web ACL (scope CLOUDFRONT, so its stack must be in us-east-1): a rate limit
 * per client IP on redirects and a stricter one on `/api/*`, AWS's known-bad-inputs rules on everything
 * and its common rule set on `/api/*` (ADR 0031).
 */
export class TouchpointWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  /** For `Distribution.webAclId` (WAFv2 takes the ARN). */
  readonly webAclArn: string;
  /** The `WebACL` dimension of its CloudWatch metrics (namespace AWS/WAFV2, in us-east-1). */
  readonly metricName: string;

  constructor(scope: Construct, id: string, limits: WebAclLimits = {}) {
    super(scope, id);
    const redirectLimit = checkedLimit(
      'redirectRequestsPer5Min',
      limits.redirectRequestsPer5Min ?? DEFAULT_WEB_ACL_LIMITS.redirectRequestsPer5Min,
    );
    const apiLimit = checkedLimit(
      'apiRequestsPer5Min',
      limits.apiRequestsPer5Min ?? DEFAULT_WEB_ACL_LIMITS.apiRequestsPer5Min,
    );
    this.metricName = 'TouchpointFrontDoor';
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'Touchpoint front door: per-IP rate limits, AWS managed rules',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(this.metricName),
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            error: {
              code: 'too_many_requests',
              message: 'Too many requests from your address. Try again in a few minutes.',
            },
          }),
        },
      },
      rules: [
        rateRule('ApiRatePerIp', 0, apiLimit, API_PREFIX),
        rateRule('RedirectRatePerIp', 1, redirectLimit, { notStatement: { statement: API_PREFIX } }),
        managedRule('AWSManagedRulesKnownBadInputsRuleSet', 2),
        // Bulk link creation sends bodies over the set's 8 KB limit; the API bounds its bodies itself (413).
        managedRule('AWSManagedRulesCommonRuleSet', 3, API_PREFIX, ['SizeRestrictions_BODY']),
      ],
    });
    this.webAclArn = this.webAcl.attrArn;
  }
}
