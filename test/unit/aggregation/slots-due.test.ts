import { describe, expect, it } from 'vitest';
import { notePending, type SlotPending, slotsDue, slotsDueBySchedule } from '#aggregation/apply-deltas';

/**
 * ADR 40, 59: a slot of pending deltas is applied when it is old (AGGREGATE_FLUSH_SECONDS, 900) or large
 * (AGGREGATE_FLUSH_CLICKS, 1,000), never because a batch was short or merely because it is there.
 */
describe('slotsDue (after a stream batch)', () => {
  it('applies a slot once its first delta is 900 s old, or once it holds 1,000 clicks', () => {
    const t0 = 1_000_000;
    notePending(3, 2, t0);
    expect(slotsDue(t0 + 1_000)).toEqual([]);
    expect(slotsDue(t0 + 899_999)).toEqual([]);
    expect(slotsDue(t0 + 900_000)).toEqual([3]);
    notePending(1, 999, t0 + 900_000);
    expect(slotsDue(t0 + 900_001)).toEqual([3]);
    notePending(1, 1, t0 + 900_002);
    expect(slotsDue(t0 + 900_003).sort()).toEqual([1, 3]);
  });
});

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
