import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '#auth/failure-limiter';

function limiter(limit = 3, windowMs = 60_000) {
  let now = 1_000_000;
  const l = new FailureLimiter({ limit, windowMs, maxClients: 4, now: () => now });
  return { l, advance: (ms: number) => (now += ms) };
}

describe('FailureLimiter', () => {
  it('lets a client fail `limit` times, then asks it to wait until its oldest failure leaves the window', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfterSeconds('198.51.100.1', null)).toBe(0);
      l.recordFailure('198.51.100.1', null);
      advance(10_000);
    }
    // Failures at t=0, 10 s and 20 s; now t=30 s: the first leaves the window at t=60 s.
    expect(l.retryAfterSeconds('198.51.100.1', null)).toBe(30);
    expect(l.retryAfterSeconds('198.51.100.2', null), 'another client is not affected').toBe(0);
    advance(30_000);
    expect(l.retryAfterSeconds('198.51.100.1', null)).toBe(0);
  });

  it('never holds back a key that has worked before, until it fails (revoked)', () => {
    const { l } = limiter(2);
    l.recordSuccess('good-key-hash');
    l.recordFailure('203.0.113.9', 'guess-1');
    l.recordFailure('203.0.113.9', 'guess-2');
    expect(l.retryAfterSeconds('203.0.113.9', 'guess-3')).toBeGreaterThan(0);
    expect(l.retryAfterSeconds('203.0.113.9', null)).toBeGreaterThan(0);
    expect(l.retryAfterSeconds('203.0.113.9', 'good-key-hash')).toBe(0);
    l.recordFailure('203.0.113.9', 'good-key-hash');
    expect(l.retryAfterSeconds('203.0.113.9', 'good-key-hash')).toBeGreaterThan(0);
  });

  it('tracks a bounded number of clients, forgetting the least recently failing first', () => {
    const { l } = limiter(1);
    for (const client of ['a', 'b', 'c', 'd', 'e']) l.recordFailure(client, null);
    expect(l.retryAfterSeconds('a', null), 'a was forgotten (maxClients 4)').toBe(0);
    for (const client of ['b', 'c', 'd', 'e']) expect(l.retryAfterSeconds(client, null)).toBeGreaterThan(0);
  });
});
