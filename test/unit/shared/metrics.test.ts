import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureStderr } from '../../support/stderr';

/** Runs `fn` with stdout captured (Powertools prints EMF through its own console on stdout). */
async function stdoutOf(fn: () => void | Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return lines.join('').split('\n').filter(Boolean);
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('metrics (EMF through Powertools)', () => {
  it('in Lambda: one EMF line per invocation with the names, units and service dimension the alarms use', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'touchpoint-redirect');
    const m = await import('#shared/metrics');
    m.useMetricsService('redirect');
    const lines = await stdoutOf(() => {
      m.recordMetric.timeTo302(3.5);
      m.recordMetric.clickRecorded();
      m.recordMetric.clickWriteFailed();
      m.flushMetrics();
      m.flushMetrics(); // nothing left: prints nothing
    });
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0]!);
    const directive = emf._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('Touchpoint');
    expect(directive.Dimensions).toEqual([['service']]);
    expect(emf.service).toBe('redirect');
    const units = Object.fromEntries(
      directive.Metrics.map((x: { Name: string; Unit: string }) => [x.Name, x.Unit]),
    );
    expect(units).toEqual({ TimeTo302: 'Milliseconds', ClicksRecorded: 'Count', ClickWritesFailed: 'Count' });
    expect(emf).toMatchObject({ TimeTo302: 3.5, ClicksRecorded: 1, ClickWritesFailed: 1 });
  });

  it('outside Lambda (npm start, tests, replay): no EMF; a failed click write is a metric log line', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    vi.stubEnv('TOUCHPOINT_LOG_SILENT', ''); // as in npm start
    vi.resetModules();
    const m = await import('#shared/metrics');
    m.useMetricsService('redirect');
    const lines = await stdoutOf(() => {
      m.recordMetric.conversionIngested();
      m.recordMetric.timeTo302(2);
      m.flushMetrics();
    });
    expect(lines).toEqual([]);
    const { withRequestScope } = await import('#shared/log');
    const warnings = await captureStderr(async () => {
      withRequestScope({ requestContext: { requestId: 'local-7' } }, undefined, () =>
        m.recordMetric.clickWriteFailed(),
      );
    });
    expect(warnings.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'metric',
        metric: 'ClickWritesFailed',
        value: 1,
        function: 'redirect',
        correlation_id: 'local-7',
      }),
    ]);
  });
});
