import { describe, expect, it } from 'vitest';
import { loadConfig } from '#shared/config';

describe('loadConfig: the stream consumer settings (ADR 9, 59)', () => {
  it('defaults to the local poller batch size, 1,000 clicks and 15 minutes', () => {
    const c = loadConfig({});
    expect(c.aggregateBatchSize).toBe(100);
    expect(c.aggregateFlushClicks).toBe(1_000);
    expect(c.aggregateFlushMs).toBe(900_000);
  });

  it('reads them from the environment, as the stack sets them', () => {
    const c = loadConfig({
      AGGREGATE_BATCH_SIZE: '500',
      AGGREGATE_FLUSH_CLICKS: '2000',
      AGGREGATE_FLUSH_SECONDS: '5',
    });
    expect([c.aggregateBatchSize, c.aggregateFlushClicks, c.aggregateFlushMs]).toEqual([500, 2_000, 5_000]);
  });

  it.each([
    ['AGGREGATE_BATCH_SIZE', '0'],
    ['AGGREGATE_BATCH_SIZE', 'lots'],
    ['AGGREGATE_FLUSH_CLICKS', '-1'],
    ['AGGREGATE_FLUSH_SECONDS', '99999'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`Invalid configuration: ${name}`));
  });
});
