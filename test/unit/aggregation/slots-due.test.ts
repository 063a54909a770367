import { describe, expect, it } from 'vitest';
import { type SlotPending, slotsDueBySchedule } from '#aggregation/apply-deltas';

/**
 * ADR 40, 59, 61: the scheduled run applies a slot of pending deltas when it is old
 * (AGGREGATE_FLUSH_SECONDS, 900) or large (AGGREGATE_FLUSH_CLICKS, 1,000), never merely because it is there.
 */
describe('slotsDueBySchedule (the scheduled run)', () => {
  const slot = (s: number, p: Partial<SlotPending>): SlotPending => ({
    slot: s,
    deltas: 1,
    clicks: 1,
    oldestAgeMs: 0,
    running: false,
    ...p,
  });

  it('applies old or large slots and finishes a running job, and leaves young small slots pending', () => {
    expect(
      slotsDueBySchedule([
        slot(0, { oldestAgeMs: 899_999, clicks: 999 }),
        slot(1, { oldestAgeMs: 900_000 }),
        slot(2, { clicks: 1_000 }),
        slot(3, { deltas: 0, clicks: 0, running: true }),
      ]),
    ).toEqual([1, 2, 3]);
    expect(slotsDueBySchedule([slot(0, { deltas: 0, clicks: 0 })])).toEqual([]);
  });
});
