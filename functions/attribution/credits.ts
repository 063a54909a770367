import { ATTRIBUTION_MODELS, type AttributionModel, type Credit, credit, type Touch } from './models';

/**
 * Credit of one conversion as counter increments (ADR 0057), computed when the conversion is aggregated
 * so the report reads O(days) counter items and never a click.
 *
 * Exact for each offered lookback L (LOOKBACKS: 1, 3, 7, 14, 30, 60, 90 days) with one set of counters: a
 * touch counts for L when its age (conversion time − touch time) is at most L days, i.e. when its
 * *lookback* — the shortest offered L that includes it — is ≤ L. For each distinct lookback of the
 * conversion's touches, the credit with the touches up to it is computed, and what it adds to the credit
 * at the previous one is stored under it. A report for L sums the increments stored under lookbacks ≤ L:
 * the sum telescopes to the credit with exactly the touches within L days. (Every day of 1–90 would make
 * a day's counter item grow to tens of KB, and DynamoDB bills a write by the item's size; ADR 0057.)
 *
 * Credit is kept in millionths (integers) so increments add up exactly: each credit is split by largest
 * remainder so its shares add up to exactly 1,000,000, and a value (in millionths of its currency) is
 * split the same way, so a conversion's revenue credits add up to its value to the millionth.
 */

/** The lookbacks a report offers, in days (those of GA4 and Google Ads, plus 1, 3 and 14). */
export const LOOKBACKS = [1, 3, 7, 14, 30, 60, 90] as const;
export type Lookback = (typeof LOOKBACKS)[number];
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
  lookback: Lookback;
  /** `conversions`, or the currency whose revenue it credits. */
  measure: 'conversions' | string;
  /** Millionths of a conversion, or of the currency. */
  amount: number;
}

/** The shortest offered lookback that includes a touch of this age; undefined past the longest. */
export function lookbackOf(ageMs: number): Lookback | undefined {
  return LOOKBACKS.find((days) => ageMs <= days * DAY_MS);
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
  const lookbackOfTouch = (t: StagedTouch) => lookbackOf(conversion.at - t.at) ?? MAX_LOOKBACK_DAYS;
  const lookbacks = LOOKBACKS.filter((l) => inRange.some((t) => lookbackOfTouch(t) === l));
  const out: CreditIncrement[] = [];
  for (const model of ATTRIBUTION_MODELS) {
    let before = new Map<string, bigint>();
    let revenueBefore = new Map<string, bigint>();
    for (const lookback of lookbacks) {
      const within = inRange.filter((t) => lookbackOfTouch(t) <= lookback);
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
          out.push({ model, touchpoint, stage, lookback, measure, amount: Number(amount) });
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
