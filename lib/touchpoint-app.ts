import type { App } from 'aws-cdk-lib';
import { EDGE_REGION, type HostedZoneSettings, TouchpointEdgeStack } from './edge-stack';
import { TouchpointStack } from './touchpoint-stack';

/** The deployment, as `bin/app.ts` reads it from CDK context (`-c name=value`; README "Deploy to AWS"). */
export interface TouchpointAppSettings {
  readonly stackName: string;
  readonly account?: string;
  /** The main stack's region. Required with domains: the front door's us-east-1 parts refer across. */
  readonly region?: string;
  readonly domainNames: string[];
  readonly certificateArn?: string;
  readonly hostedZone?: HostedZoneSettings;
  readonly webAclArn?: string;
  readonly wafRedirectRequestsPer5Min?: number;
  readonly wafApiRequestsPer5Min?: number;
  readonly apiThrottleRateLimit?: number;
  readonly apiThrottleBurstLimit?: number;
  readonly redirectReservedConcurrency?: number;
  readonly aggregateReservedConcurrency?: number;
  readonly tableMaxWriteRequestUnits?: number;
  readonly clickRetentionDays?: number;
  readonly alarmEmail?: string;
  readonly destroyOnRemoval: boolean;
}

export interface TouchpointApp {
  readonly main: TouchpointStack;
  /** The us-east-1 stack (web ACL, certificate): only with domains, unless both are given by ARN. */
  readonly edge?: TouchpointEdgeStack;
}

type Lookup = (name: string) => unknown;

/** Context values as the CLI gives them: strings (`-c a=1`) or JSON values (cdk.json). */
export function settingsFromContext(
  lookup: Lookup,
  env: NodeJS.ProcessEnv = process.env,
): TouchpointAppSettings {
  const text = (name: string): string | undefined => {
    const value = lookup(name);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value).trim();
  };
  const number = (name: string): number | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`Context ${name} must be a number, got '${raw}'`);
    return value;
  };
  const hostedZoneId = text('hostedZoneId');
  const hostedZoneName = text('hostedZoneName');
  if (Boolean(hostedZoneId) !== Boolean(hostedZoneName)) {
    throw new Error('Context hostedZoneId and hostedZoneName go together (the zone of the domains).');
  }
  return {
    stackName: text('stackName') ?? 'Touchpoint',
    account: env.CDK_DEFAULT_ACCOUNT,
    region: text('region') ?? env.CDK_DEFAULT_REGION,
    domainNames: (text('domainNames') ?? '')
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean),
    certificateArn: text('certificateArn'),
    hostedZone: hostedZoneId && hostedZoneName ? { hostedZoneId, zoneName: hostedZoneName } : undefined,
    webAclArn: text('webAclArn'),
    wafRedirectRequestsPer5Min: number('wafRedirectRequestsPer5Min'),
    wafApiRequestsPer5Min: number('wafApiRequestsPer5Min'),
    apiThrottleRateLimit: number('apiThrottleRateLimit'),
    apiThrottleBurstLimit: number('apiThrottleBurstLimit'),
    redirectReservedConcurrency: number('redirectReservedConcurrency'),
    aggregateReservedConcurrency: number('aggregateReservedConcurrency'),
    tableMaxWriteRequestUnits: number('tableMaxWriteRequestUnits'),
    clickRetentionDays: number('clickRetentionDays'),
    alarmEmail: text('alarmEmail'),
    destroyOnRemoval: text('destroyOnRemoval') === 'true',
  };
}

/**
 * The stacks of a deployment. Without domains: the main stack alone (the HTTP API serves everything).
 * With domains: the front door, whose web ACL and (without `certificateArn`, given a hosted zone)
 * certificate come from a small stack in us-east-1 unless given by ARN (ADR 0030).
 */
export function buildTouchpointApp(app: App, s: TouchpointAppSettings): TouchpointApp {
  const withFrontDoor = s.domainNames.length > 0;
  if (withFrontDoor && !s.certificateArn && !s.hostedZone) {
    throw new Error(
      'domainNames need certificateArn (an ACM certificate in us-east-1) or hostedZoneId + hostedZoneName (one is created and validated in that zone).',
    );
  }
  const certificateRegion = s.certificateArn?.split(':')[3];
  if (withFrontDoor && certificateRegion && certificateRegion !== EDGE_REGION) {
    throw new Error(
      `certificateArn must be a certificate in ${EDGE_REGION} (CloudFront's), not ${certificateRegion}.`,
    );
  }
  const needsEdge = withFrontDoor && (!s.webAclArn || !s.certificateArn);
  if (needsEdge && !s.region) {
    throw new Error(
      'The front door needs the main stack region (AWS_REGION, CDK_DEFAULT_REGION or -c region=…): its us-east-1 parts are referenced across regions.',
    );
  }

  const edge = needsEdge
    ? new TouchpointEdgeStack(app, `${s.stackName}Edge`, {
        env: { account: s.account, region: EDGE_REGION },
        description:
          'Touchpoint: the front door parts CloudFront takes from us-east-1 (WAF web ACL, certificate)',
        crossRegionReferences: true,
        webAcl: s.webAclArn
          ? false
          : {
              redirectRequestsPer5Min: s.wafRedirectRequestsPer5Min,
              apiRequestsPer5Min: s.wafApiRequestsPer5Min,
            },
        certificate:
          !s.certificateArn && s.hostedZone
            ? { domainNames: s.domainNames, hostedZone: s.hostedZone }
            : undefined,
      })
    : undefined;

  const main = new TouchpointStack(app, s.stackName, {
    env: { account: s.account, region: s.region },
    description: 'Touchpoint: serverless link and QR-code tracker',
    crossRegionReferences: edge !== undefined,
    domainNames: s.domainNames,
    certificateArn: s.certificateArn ?? edge?.certificate?.certificateArn,
    webAclArn: s.webAclArn ?? edge?.webAcl?.webAclArn,
    hostedZone: s.hostedZone,
    apiThrottle: { rateLimit: s.apiThrottleRateLimit, burstLimit: s.apiThrottleBurstLimit },
    reservedConcurrency: {
      redirect: s.redirectReservedConcurrency,
      aggregate: s.aggregateReservedConcurrency,
    },
    tableMaxWriteRequestUnits: s.tableMaxWriteRequestUnits,
    clickRetentionDays: s.clickRetentionDays,
    alarmEmail: s.alarmEmail,
    webAclMetricName: edge?.webAcl?.metricName,
    destroyOnRemoval: s.destroyOnRemoval,
  });
  return { main, edge };
}
