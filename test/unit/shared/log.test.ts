import { afterEach, describe, expect, it, vi } from 'vitest';
import { addRequestContext, log } from '#shared/log';
import { captureStderr } from '../../support/stderr';

describe('log lines (Powertools Logger)', () => {
  it('are one JSON object per line with level, message, fields and the Lambda request id', async () => {
    addRequestContext({
      awsRequestId: 'req-123',
      functionName: 'touchpoint-redirect',
      functionVersion: '7',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:touchpoint-redirect:live',
      memoryLimitInMB: '1024',
      getRemainingTimeInMillis: () => 1000,
    });
    const lines = await captureStderr(async () => {
      log.error('click_write_failed', { item: { id: 'c1', pk: 'CLICK#2026-12-05T09#3' } });
    });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'click_write_failed',
      item: { id: 'c1', pk: 'CLICK#2026-12-05T09#3' },
      function_request_id: 'req-123',
      service: 'touchpoint',
    });
    expect(Date.parse(line.timestamp)).not.toBeNaN();
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
