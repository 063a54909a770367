/**
 * The five attribution models of docs/design.md §3 ("Conversions and attribution"), as pure functions of
 * one conversion's touches. A touch is a human click of the converting visitor on a touchpoint of the
 * journey, within the lookback before the conversion. Credit fractions add up to 1 for every conversion
 * with at least one touch; the report multiplies them by the conversion's value per currency.
 */
export const ATTRIBUTION_MODELS = [
  'first_touch',
  'last_touch',
  'linear',
  'position_based',
  'time_decay',
] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

export interface Touch {
  touchpoint: string;
  /** Epoch milliseconds. */
  at: number;
}

/** Credit per touchpoint (fractions adding up to 1), in the order the touchpoints were first touched. */
export type Credit = Map<string, number>;

const DAY_MS = 86_400_000;
/** time_decay: a touch a week older weighs half as much. */
export const TIME_DECAY_HALF_LIFE_MS = 7 * DAY_MS;

/** The touches that count: at or before the conversion and within the lookback, oldest first. */
export function touchesInLookback(
  touches: readonly Touch[],
  convertedAt: number,
  lookbackDays: number,
): Touch[] {
  const from = convertedAt - lookbackDays * DAY_MS;
  return touches.filter((t) => t.at <= convertedAt && t.at >= from).sort((a, b) => a.at - b.at);
}

function add(credit: Credit, touchpoint: string, share: number): void {
  credit.set(touchpoint, (credit.get(touchpoint) ?? 0) + share);
}

function distinct(touches: readonly Touch[]): string[] {
  return [...new Set(touches.map((t) => t.touchpoint))];
}

/**
 * Credit of one conversion under `model`. `touches` must already be the lookback's (touchesInLookback),
 * oldest first; no touches, no credit (the conversion still counts as a conversion of the journey).
 */
export function credit(model: AttributionModel, touches: readonly Touch[], convertedAt: number): Credit {
  const result: Credit = new Map();
  const first = touches[0];
  const last = touches[touches.length - 1];
  if (!first || !last) return result;
  switch (model) {
    case 'first_touch':
      add(result, first.touchpoint, 1);
      return result;
    case 'last_touch':
      add(result, last.touchpoint, 1);
      return result;
    case 'linear': {
      const touched = distinct(touches);
      for (const t of touched) add(result, t, 1 / touched.length);
      return result;
    }
    case 'position_based': {
      const touched = distinct(touches);
      if (touched.length === 1) {
        add(result, first.touchpoint, 1);
        return result;
      }
      if (touched.length === 2) {
        for (const t of touched) add(result, t, 0.5);
        return result;
      }
      // Three or more: 40% to the first touch's touchpoint, 40% to the last's (the same touchpoint may
      // get both), and 20% shared by the other distinct touchpoints (there is at least one).
      const middle = touched.filter((t) => t !== first.touchpoint && t !== last.touchpoint);
      add(result, first.touchpoint, 0.4);
      add(result, last.touchpoint, 0.4);
      for (const t of middle) add(result, t, 0.2 / middle.length);
      return result;
    }
    case 'time_decay': {
      const weights = touches.map((t) => 2 ** (-(convertedAt - t.at) / TIME_DECAY_HALF_LIFE_MS));
      const total = weights.reduce((sum, w) => sum + w, 0);
      for (const [i, t] of touches.entries()) add(result, t.touchpoint, (weights[i] ?? 0) / total);
      return result;
    }
  }
}
