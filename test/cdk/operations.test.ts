import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC } from '#shared/metrics';
import { TouchpointStack } from '../../lib/touchpoint-stack';

type Resource = { Type: string; Properties: Record<string, unknown> };

/** Issue 17: every alarm notifies someone; the metrics they read are the ones the functions publish. */
function synth(props: ConstructorParameters<typeof TouchpointStack>[2] = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new TouchpointStack(app, 'Ops', props));
}

let template: Template;
let alarms: Resource[];
let topicId: string;

beforeAll(() => {
  template = synth({ alarmEmail: 'oncall@example.com' });
  alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
  topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;
});

describe('operations', () => {
  it('sends every alarm (and its recovery) to one SNS topic, e-mailed when alarmEmail is given', () => {
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions, String(alarm.Properties.AlarmDescription)).toEqual([
        { Ref: topicId },
      ]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
      expect(String(alarm.Properties.AlarmDescription).length).toBeGreaterThan(20);
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    synth().resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('alarms on lost clicks, latency, errors, throttles, the stream, the DLQ, pending deltas and DynamoDB', () => {
    const byMetric = (name: string, namespace?: string) =>
      alarms.filter(
        (a) => a.Properties.MetricName === name && (!namespace || a.Properties.Namespace === namespace),
      );
    expect(byMetric(METRIC.clickWritesFailed, 'Touchpoint')[0]?.Properties).toMatchObject({
      Threshold: 1,
      Dimensions: [{ Name: 'service', Value: 'redirect' }],
    });
    expect(byMetric(METRIC.timeTo302, 'Touchpoint')[0]?.Properties).toMatchObject({
      ExtendedStatistic: 'p99',
    });
    expect(byMetric('Errors', 'AWS/Lambda')).toHaveLength(2);
    expect(byMetric('Throttles', 'AWS/Lambda')).toHaveLength(3);
    expect(byMetric('5xx', 'AWS/ApiGateway')).toHaveLength(1);
    expect(byMetric('IteratorAge', 'AWS/Lambda')).toHaveLength(1);
    expect(byMetric('ApproximateNumberOfMessagesVisible', 'AWS/SQS')).toHaveLength(1);
    expect(byMetric(METRIC.pendingDeltaAge, 'Touchpoint')[0]?.Properties).toMatchObject({
      TreatMissingData: 'breaching',
      Dimensions: [{ Name: 'service', Value: 'aggregate' }],
    });
    const dynamo = alarms.find((a) =>
      JSON.stringify(a.Properties.Metrics ?? []).includes('WriteThrottleEvents'),
    );
    expect(dynamo).toBeDefined();
  });

  it('has a dashboard of redirects, time to 302, failed writes, lag, errors and write units', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0]);
    for (const name of [
      METRIC.clicksRecorded,
      METRIC.timeTo302,
      METRIC.clickWritesFailed,
      METRIC.aggregationLag,
      'ConsumedWriteCapacityUnits',
      'Errors',
    ]) {
      expect(body, name).toContain(name);
    }
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: Match.anyValue() });
  });
});

describe('safe deploys of the redirect', () => {
  it('shifts the redirect and the API alias live by canary (10% for 5 minutes), rolling back on their alarms', () => {
    const aliases = Object.values(template.findResources('AWS::Lambda::Alias')) as Resource[];
    expect(aliases.map((a) => a.Properties.Name)).toEqual(['live', 'live']);
    const groups = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup')) as Resource[];
    expect(groups).toHaveLength(2);
    const rollbacks = groups.map((g) => {
      const group = g.Properties as {
        DeploymentConfigName: string;
        AlarmConfiguration: { Enabled: boolean; Alarms: Array<{ Name: { Ref: string } }> };
        AutoRollbackConfiguration: { Enabled: boolean; Events: string[] };
      };
      expect(group.DeploymentConfigName).toBe('CodeDeployDefault.LambdaCanary10Percent5Minutes');
      expect(group.AutoRollbackConfiguration.Enabled).toBe(true);
      expect(group.AutoRollbackConfiguration.Events).toContain('DEPLOYMENT_STOP_ON_ALARM');
      return group.AlarmConfiguration.Alarms.map((a) => {
        const alarm = template.toJSON().Resources[a.Name.Ref] as Resource;
        return alarm.Properties.MetricName;
      }).sort();
    });
    // The redirect on its errors and p99 time-to-302; the API on its errors and the HTTP API's 5xx.
    expect(rollbacks.map((r) => r.join(',')).sort()).toEqual(
      [['Errors', METRIC.timeTo302].sort().join(','), ['5xx', 'Errors'].sort().join(',')].sort(),
    );
    // The HTTP API calls the aliases, never $LATEST.
    const integrations = Object.values(
      template.findResources('AWS::ApiGatewayV2::Integration'),
    ) as Resource[];
    for (const i of integrations) expect(JSON.stringify(i.Properties.IntegrationUri)).toMatch(/Live/);
  });
});
