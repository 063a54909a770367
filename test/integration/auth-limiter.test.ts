import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetAuthFailures } from '#auth/service';
import { setupApp } from '../support/app';
import { bodyOf, expectApiError } from '../support/inspect';
import { recordSdkCalls } from '../support/sdk-calls';

/**
 * Issue 14, item 6: wrong API keys are throttled per client. Past AUTH_FAILURES_PER_MINUTE (20 by
 * default) a client is answered 429 with Retry-After and the error JSON, without a DynamoDB read; a key
 * that works is never held back, so colleagues behind the same address keep working.
 */
type App = Awaited<ReturnType<typeof setupApp>>;
let app: App;
const GUESSER = '198.51.100.50';

beforeAll(async () => {
  app = await setupApp();
});

afterEach(() => {
  vi.useRealTimers();
  resetAuthFailures();
});

async function dynamoRequestsDuring(fn: () => Promise<unknown>): Promise<number> {
  return (await recordSdkCalls(fn)).calls.length;
}

const guess = (n: number, sourceIp = GUESSER) =>
  app.api({ path: '/api/links', key: `tp_abcdefabcdef_wrong${String(n).padStart(28, '0')}`, sourceIp });

describe('the failed-key limiter', () => {
  it('answers 401 twenty times, then 429 with Retry-After, without a read per attempt', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-05T10:00:00Z') });
    for (let i = 0; i < 20; i++) expectApiError(await guess(i), 401, 'unauthorized');
    let limited: Awaited<ReturnType<typeof guess>> | undefined;
    const reads = await dynamoRequestsDuring(async () => {
      for (let i = 20; i < 70; i++) limited = await guess(i);
    });
    expectApiError(limited!, 429, 'too_many_requests');
    expect(limited!.headers?.['retry-after']).toBe('60');
    // At most the once-a-minute read of which key ids exist; nothing per attempt.
    expect(reads, '50 throttled attempts').toBeLessThanOrEqual(1);
    // No key at all counts as a failure and is throttled too.
    expectApiError(
      await app.api({ path: '/api/links', key: '', sourceIp: GUESSER }),
      429,
      'too_many_requests',
    );

    // Another address is not affected.
    expectApiError(await guess(21, '198.51.100.51'), 401, 'unauthorized');
    // A minute after the first failure the client may try again.
    vi.setSystemTime(new Date('2026-12-05T10:01:00.001Z'));
    expectApiError(await guess(22), 401, 'unauthorized');
  });

  it('lets a real key through from a throttled address even where it has not been used before', async () => {
    const created = await app.api({
      method: 'POST',
      path: '/api/keys',
      body: { name: 'colleague', role: 'viewer' },
    });
    const colleague = bodyOf(created).key as string;
    for (let i = 0; i < 20; i++) await guess(i);
    expectApiError(await guess(99), 429, 'too_many_requests');
    // Same address (an office NAT, a CloudFront edge), a key this process has never authenticated.
    const res = await app.api({ path: '/api/links', key: colleague, sourceIp: GUESSER });
    expect(res.statusCode, res.body).toBe(200);
    // A made-up key id from there is still throttled without a key lookup.
    const reads = await dynamoRequestsDuring(async () => {
      expectApiError(await guess(100), 429, 'too_many_requests');
    });
    expect(reads).toBe(0);
  });

  it('never holds back a key that has worked, even from the guessing address', async () => {
    expect((await app.api({ path: '/api/links', sourceIp: GUESSER })).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) await guess(i);
    expectApiError(await guess(99), 429, 'too_many_requests');
    const res = await app.api({ path: '/api/links', sourceIp: GUESSER });
    expect(res.statusCode, res.body).toBe(200);
    expect(bodyOf(res).items).toBeDefined();
  });
});
