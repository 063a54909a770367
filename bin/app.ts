#!/usr/bin/env node
/**
 * CDK app. `npx cdk deploy --all` deploys a dev stack on the HTTP API's own endpoint; with
 * `-c domainNames=go.example.com,link.example.org` and `-c certificateArn=arn:aws:acm:us-east-1:…` (or
 * `-c hostedZoneId=… -c hostedZoneName=example.com`) it adds the front door: CloudFront + AWS WAF, the
 * redirect on a streaming function URL, and a small us-east-1 stack for the web ACL and certificate.
 * Every context key is listed in README ("Deploy to AWS") and read in lib/touchpoint-app.ts.
 * `skipBundling=true` synthesizes without running esbuild, e.g. to inspect the templates (the CLI
 * refuses `-c aws:cdk:bundling-stacks=[]`).
 */
import { App } from 'aws-cdk-lib';
import { buildTouchpointApp, settingsFromContext } from '../lib/touchpoint-app';

const app = new App();

// Must be set before the first construct is added to the app.
if (String(app.node.tryGetContext('skipBundling')) === 'true')
  app.node.setContext('aws:cdk:bundling-stacks', []);

buildTouchpointApp(
  app,
  settingsFromContext((name) => app.node.tryGetContext(name)),
);

app.synth();
