import { afterEach, describe, expect, it, vi } from 'vitest';
import { bindToRequestScope, log, withRequestScope } from '#shared/log';
import { captureStderr } from '../../support/stderr';

describe('log lines (Powertools Logger)', () => {
  it('are one JSON object per line with level, message, fields, the request and the Lambda request id', async () => {
    const context = {
      awsRequestId: 'req-123',
      functionName: 'touchpoint-redirect',
      functionVersion: '7',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:touchpoint-redirect:live',
      memoryLimitInMB: '1024',
      getRemainingTimeInMillis: () => 1000,
    };
    const lines = await captureStderr(async () => {
      withRequestScope({ requestContext: { requestId: 'apigw-1' } }, context, () =>
        log.error('click_write_failed', { item: { id: 'c1', pk: 'CLICK#2026-12-05T09#3' } }),
      );
    });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'click_write_failed',
      item: { id: 'c1', pk: 'CLICK#2026-12-05T09#3' },
      function_request_id: 'req-123',
      correlation_id: 'apigw-1',
      service: 'touchpoint',
    });
    expect(Date.parse(line.timestamp)).not.toBeNaN();
  });

  it('name their own request when requests overlap, also for work run after the answer', async () => {
    const later: Array<() => void> = [];
    const lines = await captureStderr(async () => {
      const request = (id: string, delay: number) =>
        withRequestScope({ requestContext: { requestId: id } }, undefined, async () => {
          await new Promise((r) => setTimeout(r, delay));
          log.error('handled', { id });
          // The click write: started by the server after the response, outside the request's call.
          later.push(bindToRequestScope(() => log.error('after_answer', { id })));
        });
      await Promise.all([request('local-a', 20), request('local-b', 5)]);
      for (const run of later) run();
    });
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.length).toBe(4);
    for (const line of parsed) expect(line.correlation_id, line.message).toBe(line.id);
    for (const line of parsed) expect(line.request_id).toBe(line.id);
  });
});

describe('the log level', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('is never above ERROR, so a failed click write is always logged for replay', async () => {
    for (const level of ['SILENT', 'CRITICAL', 'silent']) {
      vi.stubEnv('TOUCHPOINT_LOG_SILENT', '');
      vi.stubEnv('POWERTOOLS_LOG_LEVEL', level);
      vi.resetModules();
      const fresh = await import('../../../functions/shared/log');
      const lines = await captureStderr(async () => {
        fresh.log.error('click_write_failed', { item: { id: 'c2' } });
      });
      expect(lines, level).toHaveLength(1);
    }
  });
});
