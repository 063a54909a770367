import '#shared/zod-locale';
import * as z from 'zod/mini';
import { DAY_MS, periodQuerySchema, resolvePeriod } from '#analytics/period';
import { getJourney } from '#journeys/service';
import { dayOf, parseCreditAttribute } from '#shared/counter-items';
import { minorUnitDigits } from '#shared/currency';
import { FRESHNESS_SECONDS } from '#shared/freshness';
import { nameSchema } from '#shared/validation';
import { CREDIT_UNIT, LOOKBACKS, type Lookback } from './credits';
import { ATTRIBUTION_MODELS, type AttributionModel } from './models';
import { attributionItems } from './repository';

export const DEFAULT_LOOKBACK_DAYS: Lookback = 30;
const LOOKBACK_VALUES = LOOKBACKS.map(String) as [string, ...string[]];

export const attributionQuery = z.strictObject({
  ...periodQuerySchema.shape,
  event: z.optional(nameSchema('event')),
  model: z._default(z.enum(ATTRIBUTION_MODELS), 'last_touch'),
  lookback: z._default(
    z.pipe(
      z.enum(LOOKBACK_VALUES, `must be one of ${LOOKBACKS.join(', ')} (days)`),
      z.transform((days) => Number(days) as Lookback),
    ),
    DEFAULT_LOOKBACK_DAYS,
  ),
  format: z.optional(z.enum(['json', 'csv'])),
});
export type AttributionQuery = z.infer<typeof attributionQuery>;

export interface AttributionRow {
  touchpoint: string;
  stage: string;
  conversions: number;
  revenue: Record<string, number>;
}

export interface AttributionReport {
  journey: string;
  event: string;
  model: AttributionModel;
  lookbackDays: number;
  from: string;
  to: string;
  /** Every conversion older than this many seconds is counted (ADR 0041). */
  freshnessSeconds: number;
  /** Conversions in the period with at least one touch of the journey within the lookback. */
  conversions: number;
  revenue: Record<string, number>;
  touchpoints: AttributionRow[];
}

/**
 * Credits are stored in millionths: shown with four decimals for conversions, and for money to the
 * currency's minor unit (cents for EUR, whole yen, fils for BHD).
 */
/** Conversions are shown in ten-thousandths. */
const SHOWN_PER_CONVERSION = 10_000;
const CONVERSION_STEP = CREDIT_UNIT / SHOWN_PER_CONVERSION;
const minorUnitStep = (currency: string) => 10 ** (6 - minorUnitDigits(currency));

/**
 * Rounds `parts` (integers) to multiples of `step` so that they add up to their rounded sum, by largest
 * remainder: 21.225 + 16.225 + 21.225 + 16.225 EUR is shown as 21.23 + 16.23 + 21.22 + 16.22 = 74.90,
 * the total, and not 74.92. Ties go to the earlier part (the caller's order is stable).
 */
export function apportion(parts: readonly number[], step: number): number[] {
  const total = Math.round(parts.reduce((sum, p) => sum + p, 0) / step);
  const units = parts.map((p) => Math.floor(p / step));
  let left = total - units.reduce((sum, u) => sum + u, 0);
  const byRemainder = parts
    .map((p, i) => ({ i, remainder: p - Math.floor(p / step) * step }))
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    units[i] = (units[i] ?? 0) + 1;
    left--;
  }
  return units;
}

/**
 * `GET /api/journeys/{journey}/attribution`: credited conversions and revenue per touchpoint under one
 * model, for conversions whose time falls in the period, counting the touches within `lookback` days
 * before each (docs/analytics.md). Reads the journey and one Query of one item per day and credited
 * touchpoint; credit was computed when each conversion was aggregated (ADR 0057).
 */
export async function attributionReport(
  journeyName: string,
  query: AttributionQuery,
  now = new Date(),
): Promise<AttributionReport> {
  const period = resolvePeriod(query, DAY_MS, now);
  const journey = await getJourney(journeyName);
  const event = query.event ?? journey.goals[0] ?? 'purchase';
  const items = await attributionItems(
    journey.name,
    event,
    query.model,
    dayOf(period.from),
    dayOf(period.to),
  );
  const rows = new Map<string, { stage: string; conversions: number; revenue: Map<string, number> }>();
  for (const item of items) {
    const touchpoint = String(item.touchpoint);
    const row = rows.get(touchpoint) ?? { stage: String(item.stage), conversions: 0, revenue: new Map() };
    rows.set(touchpoint, row);
    for (const [attribute, value] of Object.entries(item)) {
      const credit = parseCreditAttribute(attribute);
      if (!credit || credit.lookback > query.lookback) continue;
      const amount = Number(value);
      if (credit.measure === 'conversions') row.conversions += amount;
      else row.revenue.set(credit.measure, (row.revenue.get(credit.measure) ?? 0) + amount);
    }
  }
  // Touchpoints in a stable order (by name) for apportioning; then by credited conversions for display.
  const credited = [...rows]
    .filter(([, row]) => row.conversions !== 0 || [...row.revenue.values()].some((v) => v !== 0))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const conversions = apportion(
    credited.map(([, row]) => row.conversions),
    CONVERSION_STEP,
  );
  const currencies = [...new Set(credited.flatMap(([, row]) => [...row.revenue.keys()]))].sort();
  const revenue = new Map(
    currencies.map((c) => [
      c,
      apportion(
        credited.map(([, row]) => row.revenue.get(c) ?? 0),
        minorUnitStep(c),
      ),
    ]),
  );
  const touchpoints: AttributionRow[] = credited.map(([touchpoint, row], i) => ({
    touchpoint,
    stage: row.stage,
    conversions: (conversions[i] ?? 0) / SHOWN_PER_CONVERSION,
    revenue: moneyOf(currencies.map((c) => [c, revenue.get(c)?.[i] ?? 0])),
  }));
  touchpoints.sort(
    (a, b) =>
      b.conversions - a.conversions ||
      (a.touchpoint < b.touchpoint ? -1 : a.touchpoint > b.touchpoint ? 1 : 0),
  );
  const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);
  return {
    journey: journey.name,
    event,
    model: query.model,
    lookbackDays: query.lookback,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    freshnessSeconds: FRESHNESS_SECONDS,
    conversions: sum(conversions) / SHOWN_PER_CONVERSION,
    revenue: moneyOf(currencies.map((c) => [c, sum(revenue.get(c) ?? [])])),
    touchpoints,
  };
}

/** Minor units per currency as amounts, leaving out currencies with nothing credited. */
function moneyOf(units: Array<[string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [currency, amount] of units)
    if (amount !== 0) out[currency] = amount / 10 ** minorUnitDigits(currency);
  return out;
}
