import '#shared/zod-locale';
import * as z from 'zod/mini';
import { DAY_MS, periodQuerySchema, resolvePeriod } from '#analytics/period';
import { getJourney } from '#journeys/service';
import { dayOf, parseCreditAttribute } from '#shared/counter-items';
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

/** Credits are stored in millionths: four decimals for conversions, cents for money. */
const conversionsOf = (micro: number) => Math.round((micro / CREDIT_UNIT) * 10_000) / 10_000;
const moneyOf = (micro: number) => Math.round(micro / 10_000) / 100;

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
  const totalRevenue = new Map<string, number>();
  let totalConversions = 0;
  const touchpoints: AttributionRow[] = [];
  for (const [touchpoint, row] of rows) {
    totalConversions += row.conversions;
    for (const [currency, micro] of row.revenue)
      totalRevenue.set(currency, (totalRevenue.get(currency) ?? 0) + micro);
    if (row.conversions === 0 && [...row.revenue.values()].every((v) => v === 0)) continue;
    touchpoints.push({
      touchpoint,
      stage: row.stage,
      conversions: conversionsOf(row.conversions),
      revenue: moneyByCurrency(row.revenue),
    });
  }
  touchpoints.sort(
    (a, b) =>
      b.conversions - a.conversions ||
      (a.touchpoint < b.touchpoint ? -1 : a.touchpoint > b.touchpoint ? 1 : 0),
  );
  return {
    journey: journey.name,
    event,
    model: query.model,
    lookbackDays: query.lookback,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    freshnessSeconds: FRESHNESS_SECONDS,
    conversions: conversionsOf(totalConversions),
    revenue: moneyByCurrency(totalRevenue),
    touchpoints,
  };
}

function moneyByCurrency(micro: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const currency of [...micro.keys()].sort()) {
    const amount = micro.get(currency) ?? 0;
    if (amount !== 0) out[currency] = moneyOf(amount);
  }
  return out;
}
