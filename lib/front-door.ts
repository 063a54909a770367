import { CfnOutput, Duration, Fn } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { HostedZoneSettings } from './edge-stack';

/**
 * The visitor cookie the redirect reads (functions/clicks/visitor.ts VISITOR_COOKIE; a test keeps them
 * equal). Not imported: that module opens the DynamoDB client, which the CDK app has no use for.
 */
export const VISITOR_COOKIE_NAME = 'tp_vid';

/**
 * The viewer's Host, copied by the distribution's viewer-request function: the function URL origin
 * must receive its own host name, so the redirect learns which short domain was asked for from this.
 */
export const VIEWER_HOST_HEADER = 'x-forwarded-host';

/** Everything the redirect reads from a request (functions/redirect/service.ts, viewer.ts). */
export const REDIRECT_HEADERS = [
  'user-agent',
  'referer',
  'sec-gpc',
  VIEWER_HOST_HEADER,
  'cloudfront-viewer-country',
  'cloudfront-viewer-address',
] as const;

/** CloudFront Functions JavaScript: replaces whatever the client sent under that name. */
const COPY_VIEWER_HOST = `function handler(event) {
  var request = event.request;
  var host = request.headers.host;
  if (host) request.headers['${VIEWER_HOST_HEADER}'] = { value: host.value };
  else delete request.headers['${VIEWER_HOST_HEADER}'];
  return request;
}`;

export interface FrontDoorProps {
  /** The redirect function serving `functions/handlers/redirect-url.ts` (response streaming). */
  readonly redirectFunction: lambda.IFunction;
  /** The HTTP API: origin of `/api/*`, `/dashboard`, `/dashboard/*` and `/healthz`. */
  readonly httpApi: apigwv2.IHttpApi;
  /** Branded short domains, the first being the primary one. */
  readonly domainNames: string[];
  /** ACM certificate in us-east-1 covering every domain name. */
  readonly certificateArn: string;
  /** AWS WAF web ACL (scope CLOUDFRONT) to associate. */
  readonly webAclArn: string;
  /** When given, an alias A and AAAA record per domain in this zone. */
  readonly hostedZone?: HostedZoneSettings;
}

/**
 * The production front door (docs/design.md "Front door in production", ADRs 0030 and 0031): one CloudFront
 * distribution for the short domains, behind AWS WAF. Redirects go to the streaming function URL, which
 * only this distribution can invoke (IAM auth, origin access control); the API and the dashboard go to
 * the HTTP API. Nothing but the dashboard's static files is cached.
 */
export class FrontDoor extends Construct {
  readonly functionUrl: lambda.FunctionUrl;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);

    this.functionUrl = new lambda.FunctionUrl(this, 'RedirectUrl', {
      function: props.redirectFunction,
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
    });
    const redirectOrigin = origins.FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, {
      readTimeout: Duration.seconds(10),
    });
    const redirectRequests = new cloudfront.OriginRequestPolicy(this, 'RedirectRequests', {
      comment: 'Touchpoint redirect: the query, the visitor cookie and the headers a click record needs',
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.allowList(VISITOR_COOKIE_NAME),
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...REDIRECT_HEADERS),
    });
    const copyViewerHost = new cloudfront.Function(this, 'CopyViewerHost', {
      comment: `Touchpoint: the viewer's Host as ${VIEWER_HOST_HEADER} (the origin gets its own host)`,
      code: cloudfront.FunctionCode.fromInline(COPY_VIEWER_HOST),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });

    // The HTTP API's own host; CloudFront sends it as Host (the viewer's would not route).
    const apiOrigin = new origins.HttpOrigin(Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint)), {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      readTimeout: Duration.seconds(30),
    });
    const api: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    // The dashboard's files say how long they may be kept (index.html no-cache, the rest 5 minutes);
    // a response without Cache-Control is not kept at all.
    const dashboardFiles = new cloudfront.CachePolicy(this, 'DashboardFiles', {
      comment: 'Touchpoint dashboard static files: as long as their Cache-Control allows',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(1),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    const dashboard: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: dashboardFiles,
      compress: true,
    };

    const domainNames = props.domainNames;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Touchpoint short links: ${domainNames.join(', ')}`, // CDK trims it to CloudFront's 128
      domainNames,
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      webAclId: props.webAclArn,
      defaultBehavior: {
        origin: redirectOrigin,
        // Printed QR codes may say http://: they are sent on to https, then redirected.
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: redirectRequests,
        compress: false,
        functionAssociations: [
          { function: copyViewerHost, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      additionalBehaviors: {
        '/api/*': api,
        '/healthz': { ...api, allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD },
        // Two patterns, not '/dashboard*': a slug such as 'dashboard-promo' is a redirect.
        '/dashboard': dashboard,
        '/dashboard/*': dashboard,
        // The conversion snippet the customer's site loads; the API answers it, cacheable.
        '/t.js': { ...dashboard, allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD },
      },
    });
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR3',
        reason:
          "No edge access logs on purpose: they would keep every visitor's IP address, which Touchpoint never stores (ADRs 28, 30); WAF metrics and the app's own metrics cover operations.",
      },
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Short links and QR codes are printed for customers anywhere; WAF rate rules, not geography, limit abuse.',
      },
    ]);

    new CfnOutput(scope, 'DistributionDomainName', {
      description: 'CloudFront host name: the DNS target (alias or CNAME) of every short domain',
      value: this.distribution.distributionDomainName,
    });
    if (props.hostedZone) this.addAliasRecords(props.hostedZone, domainNames);
  }

  private addAliasRecords(hostedZone: HostedZoneSettings, domainNames: string[]): void {
    const zoneName = hostedZone.zoneName.toLowerCase().replace(/\.$/, '');
    const outside = domainNames.filter((d) => d !== zoneName && !d.endsWith(`.${zoneName}`));
    if (outside.length > 0) {
      throw new Error(
        `FrontDoor: ${outside.join(', ')} not in the hosted zone ${zoneName}. Use one zone for all domains, or no hosted zone: a certificateArn, and DNS records you set yourself.`,
      );
    }
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { ...hostedZone, zoneName });
    const target = route53.RecordTarget.fromAlias(new route53Targets.CloudFrontTarget(this.distribution));
    domainNames.forEach((recordName, i) => {
      new route53.ARecord(this, `Alias${i}`, { zone, recordName, target });
      new route53.AaaaRecord(this, `Alias${i}Ipv6`, { zone, recordName, target });
    });
  }
}
