import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CREDIT_UNIT,
  creditIncrements,
  LOOKBACKS,
  lookbackOf,
  type StagedTouch,
  splitInteger,
} from '#attribution/credits';
import { ATTRIBUTION_MODELS, type AttributionModel, credit, touchesInLookback } from '#attribution/models';

const DAY = 86_400_000;
const T = Date.parse('2026-11-30T12:00:00Z');
const touch = (touchpoint: string, daysBefore: number, stage = 'awareness'): StagedTouch => ({
  touchpoint,
  stage,
  at: T - daysBefore * DAY,
});

/** What a report for lookback L sums: the increments stored under lookbacks ≤ L. */
function creditAt(
  increments: ReturnType<typeof creditIncrements>,
  model: AttributionModel,
  lookback: number,
  measure = 'conversions',
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of increments) {
    if (i.model !== model || i.measure !== measure || i.lookback > lookback) continue;
    out[i.touchpoint] = (out[i.touchpoint] ?? 0) + i.amount;
  }
  for (const [k, v] of Object.entries(out)) if (v === 0) delete out[k];
  return out;
}

describe('lookbacks', () => {
  it('a touch belongs to the shortest offered lookback that includes it', () => {
    expect(lookbackOf(0)).toBe(1);
    expect(lookbackOf(DAY)).toBe(1);
    expect(lookbackOf(DAY + 1)).toBe(3);
    expect(lookbackOf(7 * DAY)).toBe(7);
    expect(lookbackOf(30 * DAY)).toBe(30);
    expect(lookbackOf(30 * DAY + 1)).toBe(60);
    expect(lookbackOf(90 * DAY + 1)).toBeUndefined();
  });
});

describe('splitInteger', () => {
  it('adds up to the total exactly and gives the remainder to the largest fractions', () => {
    const thirds = splitInteger(
      1_000_000n,
      new Map([
        ['a', 1n],
        ['b', 1n],
        ['c', 1n],
      ]),
    );
    expect([...thirds.values()]).toEqual([333_334n, 333_333n, 333_333n]);
    const money = splitInteger(49_990_000n, thirds);
    expect([...money.values()].reduce((n, v) => n + v, 0n)).toBe(49_990_000n);
  });
});

describe('credit increments', () => {
  it('summed up to any lookback, equal the model on the touches within it (hand-computed path)', () => {
    const path = [touch('poster', 40), touch('flyer', 10), touch('instagram', 3.5), touch('email', 0)];
    const increments = creditIncrements(path, { at: T, value: 100_000_000, currency: 'EUR' });
    // Lookback 7: instagram and email only.
    expect(creditAt(increments, 'linear', 7)).toEqual({ instagram: 500_000, email: 500_000 });
    expect(creditAt(increments, 'first_touch', 7)).toEqual({ instagram: CREDIT_UNIT });
    // Lookback 30: flyer joins; lookback 90: poster too (the first touch moves each time).
    expect(creditAt(increments, 'first_touch', 30)).toEqual({ flyer: CREDIT_UNIT });
    expect(creditAt(increments, 'first_touch', 90)).toEqual({ poster: CREDIT_UNIT });
    expect(creditAt(increments, 'position_based', 90)).toEqual({
      poster: 400_000,
      flyer: 100_000,
      instagram: 100_000,
      email: 400_000,
    });
    // Revenue follows the credit: 100 EUR, 40/10/10/40.
    expect(creditAt(increments, 'position_based', 90, 'EUR')).toEqual({
      poster: 40_000_000,
      flyer: 10_000_000,
      instagram: 10_000_000,
      email: 40_000_000,
    });
    expect(creditAt(increments, 'last_touch', 1)).toEqual({ email: CREDIT_UNIT });
  });

  it('a conversion without touches within 90 days, or touched only after it, credits nothing', () => {
    expect(creditIncrements([touch('poster', 91)], { at: T })).toEqual([]);
    expect(creditIncrements([touch('poster', -1)], { at: T })).toEqual([]);
  });

  it('every lookback adds up to one conversion and its value, and matches the model (property)', () => {
    const touchArb = fc.record({
      touchpoint: fc.constantFrom('a', 'b', 'c', 'd'),
      daysBefore: fc.double({ min: 0, max: 95, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(touchArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(...LOOKBACKS),
        fc.integer({ min: 1, max: 100_000_000 }),
        (raw, lookback, cents) => {
          const touches = raw.map((t) => touch(t.touchpoint, t.daysBefore));
          const value = cents * 10_000;
          const increments = creditIncrements(touches, { at: T, value, currency: 'USD' });
          const within = touchesInLookback(touches, T, lookback);
          for (const model of ATTRIBUTION_MODELS) {
            const got = creditAt(increments, model, lookback);
            const sum = Object.values(got).reduce((n, v) => n + v, 0);
            expect(sum).toBe(within.length > 0 ? CREDIT_UNIT : 0);
            const revenue = Object.values(creditAt(increments, model, lookback, 'USD')).reduce(
              (n, v) => n + v,
              0,
            );
            expect(revenue).toBe(within.length > 0 ? value : 0);
            // Each share is the model's fraction, to the millionth.
            const sorted = [...within].sort((x, y) => x.at - y.at || (x.touchpoint < y.touchpoint ? -1 : 1));
            for (const [tp, f] of credit(model, sorted, T)) {
              expect(Math.abs((got[tp] ?? 0) - f * CREDIT_UNIT)).toBeLessThanOrEqual(1);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
