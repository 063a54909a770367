import { describe, expect, it } from 'vitest';
import { notePending, slotsDue } from '#aggregation/apply-deltas';

/** ADR 40: a slot of pending deltas is applied when it is old or large, never because a batch was short. */
describe('slotsDue', () => {
  it('applies a slot once its first delta is 30 s old, or once it holds 1,000 clicks', () => {
    const t0 = 1_000_000;
    notePending(3, 2, t0);
    expect(slotsDue(t0 + 1_000)).toEqual([]);
    expect(slotsDue(t0 + 29_999)).toEqual([]);
    expect(slotsDue(t0 + 30_000)).toEqual([3]);
    notePending(1, 999, t0 + 30_000);
    expect(slotsDue(t0 + 30_001)).toEqual([3]);
    notePending(1, 1, t0 + 30_002);
    expect(slotsDue(t0 + 30_003).sort()).toEqual([1, 3]);
  });
});
