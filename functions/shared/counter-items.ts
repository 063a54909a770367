/**
 * The vocabulary of counter items, written once: their entities, the attribute names of every measure,
 * breakdown, delay bin and attribution credit, and the time buckets they are kept by. The aggregator
 * writes with these builders and the reports read back with these parsers; nothing else spells an
 * attribute name (docs/data-model.md, "Counter attributes", lists them). Keys are built in keys.ts.
 */

/** The `entity` attribute of each kind of counter item. */
export const COUNTER_ENTITY = {
  link: 'link_stats',
  touchpoint: 'touchpoint_stats',
  stage: 'stage_stats',
  attribution: 'attribution_stats',
} as const;
export type CounterEntity = (typeof COUNTER_ENTITY)[keyof typeof COUNTER_ENTITY];
export const COUNTER_ENTITIES: ReadonlySet<string> = new Set(Object.values(COUNTER_ENTITY));

/** Plain measures: human clicks and scans, bot GETs, a link's unique visitors, a stage's or touchpoint's visitors. */
export const MEASURE = {
  clicks: 'clicks',
  scans: 'scans',
  bots: 'bots',
  uniqueVisitors: 'uv',
  visitors: 'v',
} as const;
export type Measure = (typeof MEASURE)[keyof typeof MEASURE];
const MEASURES: ReadonlySet<string> = new Set(Object.values(MEASURE));

// ---- Time buckets (UTC) ----

/** `YYYY-MM-DDTHH` of an ISO time or epoch ms. */
export function hourOf(time: string | number): string {
  return (typeof time === 'number' ? new Date(time).toISOString() : time).slice(0, 13);
}

/** `YYYY-MM-DD` of an ISO time, hour bucket or epoch ms. */
export function dayOf(time: string | number | Date): string {
  return (typeof time === 'string' ? time : new Date(time).toISOString()).slice(0, 10);
}

/** The Monday (UTC) of the ISO week a day or instant falls in, `YYYY-MM-DD`. */
export function weekOf(time: string): string {
  const day = new Date(`${time.slice(0, 10)}T00:00:00Z`);
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
}

// ---- Breakdowns: `b:<dimension>:<value>` ----

export const BREAKDOWN_DIMENSIONS = ['country', 'device', 'os', 'browser', 'referrer'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];
const BREAKDOWN_PREFIX = 'b:';
/** Where a full counter item counts referrer hosts it does not hold yet (ADR 0013). */
export const OTHER_REFERRER = 'other';

export function breakdownAttribute(dimension: BreakdownDimension, value: string): string {
  return `${BREAKDOWN_PREFIX}${dimension}:${value}`;
}

export function parseBreakdownAttribute(attribute: string): { dimension: string; value: string } | null {
  if (!attribute.startsWith(BREAKDOWN_PREFIX)) return null;
  const rest = attribute.slice(BREAKDOWN_PREFIX.length);
  const sep = rest.indexOf(':');
  return sep < 0 ? null : { dimension: rest.slice(0, sep), value: rest.slice(sep + 1) };
}

// ---- Delay histogram: `d:<minutes>` (the bin's upper edge, visitor-state.ts delayBinMinutes) ----

const DELAY_PREFIX = 'd:';

export function delayAttribute(binMinutes: number): string {
  return `${DELAY_PREFIX}${binMinutes}`;
}

/** The bin (minutes) of a delay attribute; null for any other attribute. */
export function parseDelayAttribute(attribute: string): number | null {
  if (!attribute.startsWith(DELAY_PREFIX)) return null;
  const minutes = Number(attribute.slice(DELAY_PREFIX.length));
  return Number.isFinite(minutes) ? minutes : null;
}

// ---- Attribution credit: `<lookback>|<n or currency>` on a touchpoint's item (ADR 0057) ----

const CREDIT_SEPARATOR = '|';
const CREDIT_CONVERSIONS = 'n';

/** Credit, from `lookback` days on, in conversions (`conversions`) or in a currency's revenue. */
export function creditAttribute(lookback: number, measure: string): string {
  return `${lookback}${CREDIT_SEPARATOR}${measure === 'conversions' ? CREDIT_CONVERSIONS : measure}`;
}

export interface CreditAttribute {
  lookback: number;
  /** `conversions`, or a currency code. */
  measure: string;
}

/** The parts of a credit attribute; null for any other attribute of the item. */
export function parseCreditAttribute(attribute: string): CreditAttribute | null {
  const parts = attribute.split(CREDIT_SEPARATOR);
  if (parts.length !== 2) return null;
  const [days = '', measure = ''] = parts;
  const lookback = Number(days);
  if (!Number.isInteger(lookback) || lookback <= 0) return null;
  if (measure !== CREDIT_CONVERSIONS && !/^[A-Z]{3}$/.test(measure)) return null;
  return { lookback, measure: measure === CREDIT_CONVERSIONS ? 'conversions' : measure };
}

/**
 * The number of the last job of delta slot `slot` applied to a counter item (ADR 0058): what makes a
 * plain, non-transactional counter update exactly once. Not a count.
 */
export function appliedAttribute(slot: number): string {
  return `applied${slot}`;
}

// ---- Reading items back ----

/** Whether an attribute of a counter item is a count (what recount compares), not a description. */
export function isCountAttribute(attribute: string): boolean {
  return (
    MEASURES.has(attribute) ||
    parseBreakdownAttribute(attribute) !== null ||
    parseDelayAttribute(attribute) !== null ||
    parseCreditAttribute(attribute) !== null
  );
}

/** A measure of a stored counter item (0 when absent). */
export function countOf(item: Record<string, unknown>, measure: Measure): number {
  return Number(item[measure] ?? 0);
}
