import { readFileSync } from 'node:fs';
import { App, Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildTouchpointApp, type TouchpointAppSettings } from '../../lib/touchpoint-app';

/**
 * Issue 17: cdk-nag's AWS Solutions rules find nothing unsuppressed, in the dev stack and in the
 * production deployment (front door, WAF, the us-east-1 stack). Every suppression is next to its
 * resource in lib/, with its reason.
 */
function findings(settings: Partial<TouchpointAppSettings>): string[] {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const { main, edge } = buildTouchpointApp(app, {
    stackName: 'Touchpoint',
    account: '123456789012',
    region: 'eu-west-1',
    domainNames: [],
    destroyOnRemoval: false,
    ...settings,
  });
  Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  return [main, edge]
    .filter((s): s is NonNullable<typeof s> => s !== undefined)
    .flatMap((stack: Stack) => {
      const annotations = Annotations.fromStack(stack);
      return [
        ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
        ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ].map((f) => `${f.id}: ${String(f.entry.data).split(':')[0]}`);
    });
}

describe('cdk-nag (AwsSolutionsChecks)', () => {
  it('finds nothing unsuppressed in a dev stack', () => {
    expect(findings({})).toEqual([]);
  });

  it('finds nothing unsuppressed with the front door (CloudFront, WAF, certificate, DNS)', () => {
    expect(
      findings({
        domainNames: ['go.example.com', 'qr.example.com'],
        hostedZone: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' },
        alarmEmail: 'oncall@example.com',
      }),
    ).toEqual([]);
  });
});
