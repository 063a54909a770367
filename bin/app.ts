#!/usr/bin/env node
/**
 * CDK app: `npx cdk deploy [-c domainNames=go.example.com,link.example.org -c certificateArn=arn:...]`.
 * Optional context: `stackName` (default Touchpoint), `clickRetentionDays`, `destroyOnRemoval=true`
 * (dev stacks only: deletes the table with the stack), `skipBundling=true` (synthesize without running
 * esbuild, e.g. to inspect the template; the CLI refuses `-c aws:cdk:bundling-stacks=[]`).
 */
import { App } from 'aws-cdk-lib';
import { TouchpointStack } from '../lib/touchpoint-stack';

const app = new App();

function context(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

// Must be set before the first construct is added to the app.
if (context('skipBundling') === 'true') app.node.setContext('aws:cdk:bundling-stacks', []);

const domainNames = (context('domainNames') ?? '')
  .split(',')
  .map((d) => d.trim())
  .filter(Boolean);
const retention = context('clickRetentionDays');

new TouchpointStack(app, context('stackName') ?? 'Touchpoint', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'Touchpoint: serverless link and QR-code tracker',
  domainNames,
  certificateArn: context('certificateArn'),
  clickRetentionDays: retention === undefined ? undefined : Number(retention),
  destroyOnRemoval: context('destroyOnRemoval') === 'true',
});

app.synth();
