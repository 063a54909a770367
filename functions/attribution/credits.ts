import { ATTRIBUTION_MODELS, type AttributionModel, type Credit, credit, type Touch } from './models';

/**
 * Credit of one conversion as counter increments (ADR 0057), computed when the conversion is aggregated
 * so the report reads O(days) counter items and never a click.
 *
 * Exact for every lookback L of 1–90 days with one set of counters: a touch counts for L when its age
 * (conversion time − touch time) is at most L days, i.e. when its *lookback day* ⌈age / 1 day⌉ (at
 * least 1) is ≤ L. For each distinct lookback day d of the conversion's touches, the credit with the
 * touches of lookback day ≤ d is computed, and what it adds to the credit at the previous such day is
 * stored under d. A report for L sums the increments stored under days ≤ L: the sum telescopes to the
 * credit with exactly the touches within L days.
 *
 * Credit is kept in millionths (integers) so increments add up exactly: each credit is split by largest
 * remainder so its shares add up to exactly 1,000,000, and a value (in millionths of its currency) is
 * split the same way, so a conversion's revenue credits add up to its value to the millionth.
 */

export const MAX_LOOKBACK_DAYS = 90;
/** Credit of a whole conversion, in the integer unit the counters store. */
export const CREDIT_UNIT = 1_000_000;
const DAY_MS = 86_400_000;

export interface StagedTouch extends Touch {
  /** The touchpoint's stage in its journey. */
  stage: string;
}

export interface CreditedConversion {
  /** Epoch ms. */
  at: number;
  /** Value in millionths of `currency`, when the conversion has one. */
  value?: number;
  currency?: string;
}

export interface CreditIncrement {
  model: AttributionModel;
  touchpoint: string;
  stage: string;
  /** The lookback (days) from which this increment counts. */
  lookbackDay: number;
  /** `conversions`, or the currency whose revenue it credits. */
  measure: 'conversions' | string;
  /** Millionths of a conversion, or of the currency. */
  amount: number;
}

/** ⌈age / 1 day⌉, at least 1: the shortest lookback that includes a touch of this age. */
export function lookbackDayOf(ageMs: number): number {
  return Math.max(1, Math.ceil(ageMs / DAY_MS));
}

/**
 * Splits `total` in proportion to integer `weights` into integers adding up to exactly `total`: floors
 * first, then one more unit to the largest remainders (ties: the earlier entry).
 */
export function splitInteger(total: bigint, weights: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const sum = [...weights.values()].reduce((n, w) => n + w, 0n);
  if (sum <= 0n) return new Map();
  const parts = [...weights].map(([name, w]) => ({
    name,
    floor: (total * w) / sum,
    remainder: (total * w) % sum,
  }));
  let left = total - parts.reduce((n, p) => n + p.floor, 0n);
  const byRemainder = parts
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.remainder === b.p.remainder ? a.i - b.i : a.p.remainder > b.p.remainder ? -1 : 1));
  for (const { p } of byRemainder) {
    if (left <= 0n) break;
    p.floor += 1n;
    left -= 1n;
  }
  return new Map(parts.map((p) => [p.name, p.floor]));
}

/** A model's credit fractions as millionths adding up to exactly CREDIT_UNIT. */
function shares(model: AttributionModel, touches: StagedTouch[], at: number): Map<string, bigint> {
  const fractions: Credit = credit(model, touches, at);
  // Fractions to 12 digits are plenty to decide 6-digit shares; the split then makes them add up.
  const weights = new Map([...fractions].map(([tp, f]) => [tp, BigInt(Math.round(f * 1e12))]));
  return splitInteger(BigInt(CREDIT_UNIT), weights);
}

/**
 * The counter increments one conversion credits to the touchpoints of one journey, for all five models
 * and every lookback (see the module comment). Touches after the conversion or more than
 * MAX_LOOKBACK_DAYS before it are not touches of it; no touches, no increments.
 */
export function creditIncrements(
  touches: readonly StagedTouch[],
  conversion: CreditedConversion,
): CreditIncrement[] {
  const inRange = touches
    .filter((t) => t.at <= conversion.at && conversion.at - t.at <= MAX_LOOKBACK_DAYS * DAY_MS)
    .sort((a, b) => a.at - b.at || (a.touchpoint < b.touchpoint ? -1 : a.touchpoint > b.touchpoint ? 1 : 0));
  if (inRange.length === 0) return [];
  const stageOf = new Map(inRange.map((t) => [t.touchpoint, t.stage]));
  const days = [...new Set(inRange.map((t) => lookbackDayOf(conversion.at - t.at)))].sort((a, b) => a - b);
  const out: CreditIncrement[] = [];
  for (const model of ATTRIBUTION_MODELS) {
    let before = new Map<string, bigint>();
    let revenueBefore = new Map<string, bigint>();
    for (const day of days) {
      const within = inRange.filter((t) => lookbackDayOf(conversion.at - t.at) <= day);
      const now = shares(model, within, conversion.at);
      const revenueNow =
        conversion.value !== undefined
          ? splitInteger(BigInt(conversion.value), now)
          : new Map<string, bigint>();
      const increment = (measure: string, after: Map<string, bigint>, prior: Map<string, bigint>) => {
        for (const touchpoint of new Set([...prior.keys(), ...after.keys()])) {
          const amount = (after.get(touchpoint) ?? 0n) - (prior.get(touchpoint) ?? 0n);
          if (amount === 0n) continue;
          const stage = stageOf.get(touchpoint) ?? '';
          out.push({ model, touchpoint, stage, lookbackDay: day, measure, amount: Number(amount) });
        }
      };
      increment('conversions', now, before);
      if (conversion.currency !== undefined) increment(conversion.currency, revenueNow, revenueBefore);
      before = now;
      revenueBefore = revenueNow;
    }
  }
  return out;
}
