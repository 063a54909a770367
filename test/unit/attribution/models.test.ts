import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_MODELS,
  type AttributionModel,
  credit,
  type Touch,
  touchesInLookback,
} from '#attribution/models';

const DAY = 86_400_000;
const T = Date.parse('2026-11-30T12:00:00Z'); // the conversion
const touch = (touchpoint: string, daysBefore: number): Touch => ({ touchpoint, at: T - daysBefore * DAY });

/** Credit as a plain object rounded to 6 places, for readable expectations. */
function shares(model: AttributionModel, touches: Touch[]): Record<string, number> {
  return Object.fromEntries([...credit(model, touches, T)].map(([t, c]) => [t, Math.round(c * 1e6) / 1e6]));
}

describe('attribution models on hand-computed paths', () => {
  it('one touch: every model gives it everything', () => {
    for (const model of ATTRIBUTION_MODELS)
      expect(shares(model, [touch('poster', 3)]), model).toEqual({ poster: 1 });
  });

  it('two touchpoints', () => {
    const path = [touch('poster', 14), touch('email', 0)];
    expect(shares('first_touch', path)).toEqual({ poster: 1 });
    expect(shares('last_touch', path)).toEqual({ email: 1 });
    expect(shares('linear', path)).toEqual({ poster: 0.5, email: 0.5 });
    expect(shares('position_based', path)).toEqual({ poster: 0.5, email: 0.5 });
    // Weights 2^-2 = 0.25 and 2^0 = 1: 0.25 / 1.25 and 1 / 1.25.
    expect(shares('time_decay', path)).toEqual({ poster: 0.2, email: 0.8 });
  });

  it('four touchpoints: position-based gives 40/10/10/40', () => {
    const path = [touch('poster', 21), touch('flyer', 14), touch('instagram', 7), touch('email', 0)];
    expect(shares('linear', path)).toEqual({ poster: 0.25, flyer: 0.25, instagram: 0.25, email: 0.25 });
    expect(shares('position_based', path)).toEqual({ poster: 0.4, flyer: 0.1, instagram: 0.1, email: 0.4 });
    // Weights 1/8, 1/4, 1/2, 1 (sum 15/8): 1/15, 2/15, 4/15, 8/15.
    expect(shares('time_decay', path)).toEqual({
      poster: 0.066667,
      flyer: 0.133333,
      instagram: 0.266667,
      email: 0.533333,
    });
  });

  it('repeated touchpoints: linear counts a touchpoint once, time decay sums its touches', () => {
    const path = [touch('poster', 7), touch('email', 7), touch('poster', 0)];
    expect(shares('first_touch', path)).toEqual({ poster: 1 });
    expect(shares('last_touch', path)).toEqual({ poster: 1 });
    expect(shares('linear', path)).toEqual({ poster: 0.5, email: 0.5 });
    expect(shares('position_based', path), 'two distinct touchpoints: 50/50').toEqual({
      poster: 0.5,
      email: 0.5,
    });
    // Weights 0.5 + 1 for poster, 0.5 for email (sum 2).
    expect(shares('time_decay', path)).toEqual({ poster: 0.75, email: 0.25 });
  });

  it('position-based when the first and last touch are the same touchpoint: 80% to it', () => {
    const path = [touch('poster', 9), touch('flyer', 6), touch('email', 3), touch('poster', 1)];
    expect(shares('position_based', path)).toEqual({ poster: 0.8, flyer: 0.1, email: 0.1 });
  });

  it('every model gives fractions that add up to 1', () => {
    const path = [touch('a', 29), touch('b', 20), touch('c', 11), touch('b', 5), touch('d', 0.1)];
    for (const model of ATTRIBUTION_MODELS) {
      const total = [...credit(model, path, T).values()].reduce((s, c) => s + c, 0);
      expect(total, model).toBeCloseTo(1, 12);
    }
  });

  it('no touches, no credit', () => {
    for (const model of ATTRIBUTION_MODELS) expect(credit(model, [], T).size).toBe(0);
  });
});

describe('touchesInLookback', () => {
  it('keeps touches within the lookback and not after the conversion, oldest first', () => {
    const touches = [
      touch('late', -0.5),
      touch('recent', 1),
      touch('edge', 30),
      touch('old', 30.01),
      touch('mid', 10),
    ];
    expect(touchesInLookback(touches, T, 30).map((t) => t.touchpoint)).toEqual(['edge', 'mid', 'recent']);
    expect(touchesInLookback(touches, T, 7).map((t) => t.touchpoint)).toEqual(['recent']);
  });
});
