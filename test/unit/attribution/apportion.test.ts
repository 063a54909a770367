import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportion } from '#attribution/report';

describe('apportion (the amounts a report shows per touchpoint)', () => {
  it('shows shares that add up to the rounded total, by largest remainder', () => {
    // 74.90 EUR in millionths, split 21.225 / 16.225 / 21.225 / 16.225: rounding each gives 74.92.
    const parts = [21_225_000, 16_225_000, 21_225_000, 16_225_000];
    expect(apportion(parts, 10_000)).toEqual([2123, 1623, 2122, 1622]); // 74.90: ties go to the earlier part
    // A third each of 100.00: one cent goes to the first of the tied parts.
    expect(apportion([33_333_334, 33_333_333, 33_333_333], 10_000)).toEqual([3334, 3333, 3333]);
    expect(apportion([], 10_000)).toEqual([]);
    expect(apportion([5_000], 10_000)).toEqual([1]);
  });

  it('always adds up to the rounded total, and moves no part by a whole step or more', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 ** 12 }), { maxLength: 40 }), (parts) => {
        const units = apportion(parts, 10_000);
        const total = Math.round(parts.reduce((a, b) => a + b, 0) / 10_000);
        expect(units.reduce((a, b) => a + b, 0)).toBe(total);
        parts.forEach((p, i) => {
          expect(Math.abs((units[i] ?? 0) - p / 10_000)).toBeLessThan(1);
        });
      }),
    );
  });
});
