import { describe, expect, it } from 'vitest';
import {
  histogramWithin,
  median,
  medianFromHistogram,
  mergeHistograms,
  normalCdf,
  progressedWithin,
  twoProportionZTest,
} from '#analytics/statistics';

describe('normalCdf', () => {
  // Reference values: Φ(z) = erfc(−z/√2)/2 in double precision (textbook tables: Φ(1.96) = 0.9750,
  // Φ(3) = 0.99865, Φ(1) = 0.8413).
  it.each([
    [0, 0.5],
    [1, 0.8413447460685429],
    [-1, 0.15865525393145707],
    [1.96, 0.9750021048517795],
    [-1.96, 0.024997895148220435],
    [3, 0.9986501019683699],
    [-3, 0.0013498980316300957],
  ])('Φ(%d) = %d', (z, expected) => {
    expect(Math.abs(normalCdf(z) - expected)).toBeLessThan(1e-12);
  });

  it('keeps relative accuracy deep in the lower tail', () => {
    expect(normalCdf(-6) / 9.865876450377012e-10).toBeCloseTo(1, 6);
    expect(normalCdf(-10) / 7.619853024160593e-24).toBeCloseTo(1, 6);
  });

  it('is symmetric, monotone and bounded', () => {
    for (let z = -8; z <= 8; z += 0.25) {
      expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 14);
      expect(normalCdf(z + 0.25)).toBeGreaterThanOrEqual(normalCdf(z));
    }
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
  });
});

describe('twoProportionZTest', () => {
  it('matches a hand-computed example', () => {
    // Group 1: 30 of 100 (p1 = 0.30). Group 2: 60 of 120 (p2 = 0.50).
    // pooled p = (30 + 60) / (100 + 120) = 90 / 220 = 0.409091
    // SE = √(0.409091 × 0.590909 × (1/100 + 1/120)) = √(0.241736 × 0.0183333) = √0.00443182 = 0.066572
    // z = (0.30 − 0.50) / 0.066572 = −3.00427
    // one-sided p = Φ(−3.00427) = 0.0013311
    const { z, pValue } = twoProportionZTest(30, 100, 60, 120);
    expect(z).toBeCloseTo(-3.00427, 4);
    expect(pValue).toBeCloseTo(0.0013311, 6);
  });

  it('is one-sided: a higher proportion 1 gives a large p-value', () => {
    const { z, pValue } = twoProportionZTest(60, 120, 30, 100);
    expect(z).toBeCloseTo(3.00427, 4);
    expect(pValue).toBeCloseTo(1 - 0.0013311, 6);
  });

  it('returns z 0 and p 1 for degenerate inputs', () => {
    expect(twoProportionZTest(0, 0, 5, 10)).toEqual({ z: 0, pValue: 1 });
    expect(twoProportionZTest(5, 10, 0, 0)).toEqual({ z: 0, pValue: 1 });
    expect(twoProportionZTest(0, 50, 0, 80)).toEqual({ z: 0, pValue: 1 });
    expect(twoProportionZTest(50, 50, 80, 80)).toEqual({ z: 0, pValue: 1 });
  });

  it('rejects impossible counts', () => {
    expect(() => twoProportionZTest(11, 10, 5, 10)).toThrow(RangeError);
    expect(() => twoProportionZTest(-1, 10, 5, 10)).toThrow(RangeError);
    expect(() => twoProportionZTest(1, Number.NaN, 5, 10)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('handles odd, even and empty inputs', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
  });
});

describe('medianFromHistogram', () => {
  it('odd count: the middle value', () => {
    // [1, 3, 10]
    expect(medianFromHistogram({ 10: 1, 1: 1, 3: 1 })).toBe(3);
    // [2, 2, 2, 7, 9]
    expect(medianFromHistogram({ 2: 3, 7: 1, 9: 1 })).toBe(2);
  });

  it('even count: the mean of the two middle values', () => {
    // [1, 1, 5, 9] → (1 + 5) / 2
    expect(medianFromHistogram({ 1: 2, 5: 1, 9: 1 })).toBe(3);
    // [4, 4] → 4
    expect(medianFromHistogram({ 4: 2 })).toBe(4);
    // [0, 0, 0, 24, 24, 24] → (0 + 24) / 2
    expect(medianFromHistogram({ 0: 3, 24: 3 })).toBe(12);
  });

  it('sorts keys numerically, not as strings', () => {
    // [2, 10, 100]: a string sort would put "10" and "100" before "2"
    expect(medianFromHistogram({ 100: 1, 2: 1, 10: 1 })).toBe(10);
  });

  it('is null when empty and ignores zero counts and invalid keys', () => {
    expect(medianFromHistogram({})).toBeNull();
    expect(medianFromHistogram({ 3: 0 })).toBeNull();
    expect(medianFromHistogram({ 3: 1, 50: 0, [-4]: 2 })).toBe(3);
    expect(medianFromHistogram(JSON.parse('{"5": 1, "oops": 4}'))).toBe(5);
  });
});

describe('conversion window', () => {
  const histogram = { 0: 1, 24: 2, 719: 1, 720: 3, 721: 4, 2000: 5 };

  it('keeps h <= 24 W, boundary included', () => {
    // W = 30 → 720 hours: 1 + 2 + 1 + 3, not the 721 and 2000 buckets.
    expect(progressedWithin(histogram, 30)).toBe(7);
    // W = 1 → 24 hours: 1 + 2.
    expect(progressedWithin(histogram, 1)).toBe(3);
    expect(progressedWithin(histogram, 90)).toBe(16);
    expect(progressedWithin({}, 30)).toBe(0);
  });

  it('histogramWithin drops the entries beyond the window', () => {
    expect(histogramWithin(histogram, 30)).toEqual({ 0: 1, 24: 2, 719: 1, 720: 3 });
    expect(histogramWithin(histogram, 1)).toEqual({ 0: 1, 24: 2 });
  });

  it('works with string keys as they come from JSON or DynamoDB', () => {
    expect(progressedWithin(JSON.parse('{"24": 2, "25": 1}'), 1)).toBe(2);
  });

  it('rejects a nonsensical window', () => {
    expect(() => progressedWithin(histogram, -1)).toThrow(RangeError);
    expect(() => progressedWithin(histogram, Number.NaN)).toThrow(RangeError);
  });
});

describe('mergeHistograms', () => {
  it('adds counts per hour', () => {
    expect(mergeHistograms([{ 1: 2, 5: 1 }, { 5: 3, 9: 1 }, {}])).toEqual({ 1: 2, 5: 4, 9: 1 });
  });
});
