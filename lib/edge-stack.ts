import { CfnOutput, Stack, type StackProps, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { TouchpointWebAcl, type WebAclLimits } from './web-acl';

/** CloudFront takes certificates and web ACLs from this region only. */
export const EDGE_REGION = 'us-east-1';

/** A Route 53 public hosted zone, by id and name (no lookup: `cdk synth` stays offline). */
export interface HostedZoneSettings {
  readonly hostedZoneId: string;
  readonly zoneName: string;
}

export interface TouchpointEdgeStackProps extends StackProps {
  /** Create the front door's web ACL with these limits; `false` when its ARN is given instead. */
  readonly webAcl: WebAclLimits | false;
  /** Create a DNS-validated certificate for these names in `hostedZone` (none when an ARN is given). */
  readonly certificate?: { readonly domainNames: string[]; readonly hostedZone: HostedZoneSettings };
}

/**
 * What CloudFront needs from us-east-1, whatever the main stack's region: the WAF web ACL (scope
 * CLOUDFRONT) and, when no certificate ARN is given, the certificate for the short domains (ADR 0030).
 * The main stack reads both through cross-region references.
 */
export class TouchpointEdgeStack extends Stack {
  readonly webAcl?: TouchpointWebAcl;
  readonly certificate?: acm.Certificate;

  constructor(scope: Construct, id: string, props: TouchpointEdgeStackProps) {
    super(scope, id, props);
    if (!Token.isUnresolved(this.region) && this.region !== EDGE_REGION) {
      throw new Error(`TouchpointEdgeStack must be deployed in ${EDGE_REGION}, not ${this.region}.`);
    }
    if (props.webAcl !== false) {
      this.webAcl = new TouchpointWebAcl(this, 'FrontDoorAcl', props.webAcl);
      new CfnOutput(this, 'WebAclArn', { value: this.webAcl.webAclArn });
    }
    if (props.certificate) {
      const { domainNames, hostedZone } = props.certificate;
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', hostedZone);
      this.certificate = new acm.Certificate(this, 'Certificate', {
        domainName: domainNames[0]!,
        subjectAlternativeNames: domainNames.slice(1),
        validation: acm.CertificateValidation.fromDns(zone),
      });
      new CfnOutput(this, 'CertificateArn', { value: this.certificate.certificateArn });
    }
  }
}
