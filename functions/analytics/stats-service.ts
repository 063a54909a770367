import { goalStep } from '#journeys/model';
import { listJourneyTouchpoints } from '#journeys/repository';
import { getJourney } from '#journeys/service';
import { getLink } from '#links/service';
import {
  BREAKDOWN_DIMENSIONS,
  type BreakdownDimension,
  COUNTER_ENTITY,
  countOf,
  dayOf,
  hourOf,
  MEASURE,
  parseBreakdownAttribute,
  parseDelayAttribute,
} from '#shared/counter-items';
import { ValidationError } from '#shared/errors';
import { FRESHNESS_SECONDS } from '#shared/freshness';
import { buildFunnelReport } from './funnel-report';
import { buckets, DAY_MS, HOUR_MS, type Period, resolvePeriod } from './period';
import { journeyCounterItems, linkDayItems, linkHourItems } from './stats-repository';

/**
 * Read side of analytics: every answer is assembled from counter items, never from raw clicks. A little
 * over 300 lines because the link stats, the touchpoint table and the funnel share the journey readings
 * and the counter sums; each is one exported function.
 */

const num = (v: unknown) => Number(v ?? 0);
const MAX_HOURLY_SERIES_DAYS = 31;
const MAX_BREAKDOWN_VALUES = 100;

export interface LinkStats {
  linkId: string;
  from: string;
  to: string;
  interval: 'hour' | 'day';
  /** Every click older than this many seconds is counted (ADR 0041). */
  freshnessSeconds: number;
  totals: { clicks: number; scans: number; uniqueVisitors: number; botClicks: number };
  series: Array<{ t: string; clicks: number; scans: number }>;
  breakdowns: Record<BreakdownDimension, Array<{ value: string; clicks: number }>>;
}

export async function linkStats(
  linkId: string,
  query: { from?: string; to?: string; interval: 'hour' | 'day' },
  now = new Date(),
): Promise<LinkStats> {
  const link = await getLink(linkId);
  const bucketMs = query.interval === 'hour' ? HOUR_MS : DAY_MS;
  // Counters are hourly: the period resolves to hours, or to days for a daily series.
  const period = resolvePeriod(query, bucketMs, now);
  if (
    query.interval === 'hour' &&
    period.to.getTime() - period.from.getTime() > MAX_HOURLY_SERIES_DAYS * DAY_MS
  ) {
    throw new ValidationError(
      `An hourly series can span at most ${MAX_HOURLY_SERIES_DAYS} days; use interval=day.`,
    );
  }
  // Daily series read daily items (30 for a month); hourly series read hourly items.
  const items =
    query.interval === 'hour'
      ? await linkHourItems(link.id, hourLabel(period.from), hourLabel(period.to))
      : await linkDayItems(link.id, dayLabel(period.from), dayLabel(period.to));
  const totals = { clicks: 0, scans: 0, uniqueVisitors: 0, botClicks: 0 };
  const labels = buckets(period, bucketMs);
  const series = new Map(labels.map((t) => [t, { t: bucketStart(t), clicks: 0, scans: 0 }]));
  const breakdown = new Map<string, Map<string, number>>();
  for (const item of items) {
    const clicks = countOf(item, MEASURE.clicks);
    const scans = countOf(item, MEASURE.scans);
    totals.clicks += clicks;
    totals.scans += scans;
    totals.uniqueVisitors += countOf(item, MEASURE.uniqueVisitors);
    totals.botClicks += countOf(item, MEASURE.bots);
    const point = series.get((item.hour ?? item.day) as string);
    if (point) {
      point.clicks += clicks;
      point.scans += scans;
    }
    for (const [attr, value] of Object.entries(item)) {
      const b = parseBreakdownAttribute(attr);
      if (!b) continue;
      const counts = breakdown.get(b.dimension) ?? new Map<string, number>();
      counts.set(b.value, (counts.get(b.value) ?? 0) + num(value));
      breakdown.set(b.dimension, counts);
    }
  }
  const breakdowns = Object.fromEntries(
    BREAKDOWN_DIMENSIONS.map((d) => [
      d,
      [...(breakdown.get(d) ?? new Map())]
        .filter(([, clicks]) => clicks > 0)
        .map(([value, clicks]) => ({ value, clicks }))
        .sort((a, b) => b.clicks - a.clicks || a.value.localeCompare(b.value))
        .slice(0, MAX_BREAKDOWN_VALUES),
    ]),
  ) as LinkStats['breakdowns'];
  return {
    linkId: link.id,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    interval: query.interval,
    freshnessSeconds: FRESHNESS_SECONDS,
    totals,
    series: [...series.values()],
    breakdowns,
  };
}

function hourLabel(d: Date): string {
  return hourOf(d.getTime());
}

function dayLabel(d: Date): string {
  return dayOf(d);
}

function bucketStart(label: string): string {
  return label.length === 13 ? `${label}:00:00.000Z` : `${label}T00:00:00.000Z`;
}

interface DayCounters {
  touchpoints: Map<
    string,
    {
      stage: string | null;
      clicks: number;
      scans: number;
      visitors: number;
      histogram: Record<number, number>;
    }
  >;
  stages: Map<string, { visitors: number; histogram: Record<number, number> }>;
}

/**
 * What the touchpoint table and the funnel read, all at once: the journey's definition, its touchpoint
 * registry and its counters depend only on the journey's name, so the counters need not wait for the
 * definition (a read wasted on an unknown journey costs less than one more round trip on every call).
 */
async function journeyReadings(journeyName: string, period: Period) {
  const [journey, registry, counters] = await Promise.all([
    getJourney(journeyName),
    listJourneyTouchpoints(journeyName),
    journeyCounters(journeyName, period),
  ]);
  return { journey, registry, counters };
}

/** Delay bin (minutes) → visitors, summed over the items of one touchpoint or stage. */
type BucketSums = Map<number, number>;

async function journeyCounters(journey: string, period: Period): Promise<DayCounters> {
  const items = await journeyCounterItems(journey, dayOf(period.from), dayOf(period.to));
  // A 30-day read at volume is ~150 items of ~30 attributes: sum the buckets under their stored names and
  // convert each name to hours once per touchpoint or stage, not once per item.
  const touchpoints = new Map<
    string,
    { stage: string | null; clicks: number; scans: number; visitors: number; buckets: BucketSums }
  >();
  const stages = new Map<string, { visitors: number; buckets: BucketSums }>();
  for (const item of items) {
    let target: { visitors: number; buckets: BucketSums };
    if (item.entity === COUNTER_ENTITY.touchpoint) {
      const name = item.touchpoint as string;
      const t = touchpoints.get(name) ?? {
        stage: null,
        clicks: 0,
        scans: 0,
        visitors: 0,
        buckets: new Map(),
      };
      touchpoints.set(name, t);
      t.stage = (item.stage as string | undefined) ?? t.stage;
      t.clicks += countOf(item, MEASURE.clicks);
      t.scans += countOf(item, MEASURE.scans);
      target = t;
    } else if (item.entity === COUNTER_ENTITY.stage) {
      const name = item.stage as string;
      const s = stages.get(name) ?? { visitors: 0, buckets: new Map() };
      stages.set(name, s);
      target = s;
    } else continue;
    target.visitors += countOf(item, MEASURE.visitors);
    for (const attr in item) {
      const minutes = parseDelayAttribute(attr);
      if (minutes !== null) target.buckets.set(minutes, (target.buckets.get(minutes) ?? 0) + num(item[attr]));
    }
  }
  const out: DayCounters = { touchpoints: new Map(), stages: new Map() };
  for (const [name, { buckets, ...t }] of touchpoints)
    out.touchpoints.set(name, { ...t, histogram: inHours(buckets) });
  for (const [name, { buckets, ...s }] of stages) out.stages.set(name, { ...s, histogram: inHours(buckets) });
  return out;
}

/** Histogram buckets are stored in minutes; the funnel report works in hours. */
function inHours(buckets: BucketSums): Record<number, number> {
  const histogram: Record<number, number> = {};
  for (const [minutes, count] of buckets) histogram[minutes / 60] = count;
  return histogram;
}

export interface TouchpointRow {
  touchpoint: string;
  stage: string;
  links: number;
  clicks: number;
  scans: number;
  uniqueVisitors: number;
  share: number;
}

export async function touchpointTable(
  journeyName: string,
  query: { from?: string; to?: string },
  now = new Date(),
): Promise<{
  journey: string;
  from: string;
  to: string;
  freshnessSeconds: number;
  touchpoints: TouchpointRow[];
}> {
  const period = resolvePeriod(query, DAY_MS, now);
  const { journey, registry, counters } = await journeyReadings(journeyName, period);
  const names = new Set([...registry.map((r) => r.touchpoint), ...counters.touchpoints.keys()]);
  const total = [...counters.touchpoints.values()].reduce((sum, t) => sum + t.clicks + t.scans, 0);
  const rows: TouchpointRow[] = [...names].map((name) => {
    const reg = registry.find((r) => r.touchpoint === name);
    const c = counters.touchpoints.get(name);
    const clicks = c?.clicks ?? 0;
    const scans = c?.scans ?? 0;
    return {
      touchpoint: name,
      stage: reg?.stage ?? c?.stage ?? 'unknown',
      links: reg?.links ?? 0,
      clicks,
      scans,
      uniqueVisitors: c?.visitors ?? 0,
      share: total > 0 ? round4((clicks + scans) / total) : 0,
    };
  });
  const stageRank = new Map(journey.stages.map((s, i) => [s, i]));
  rows.sort(
    (a, b) =>
      (stageRank.get(a.stage) ?? 99) - (stageRank.get(b.stage) ?? 99) ||
      b.clicks + b.scans - (a.clicks + a.scans) ||
      a.touchpoint.localeCompare(b.touchpoint),
  );
  return {
    journey: journey.name,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    freshnessSeconds: FRESHNESS_SECONDS,
    touchpoints: rows,
  };
}

export async function funnel(
  journeyName: string,
  query: { from?: string; to?: string; window: number },
  now = new Date(),
) {
  const period = resolvePeriod(query, DAY_MS, now);
  const { journey, registry, counters } = await journeyReadings(journeyName, period);
  const stageCounters = Object.fromEntries(
    journey.stages.map((s) => {
      const c = counters.stages.get(s);
      return [s, { visitors: c?.visitors ?? 0, delayHistogram: c?.histogram ?? {} }];
    }),
  );
  // Touchpoints with active links but no visitors stay in: they are the low-reach candidates.
  const names = new Set([
    ...registry.filter((r) => r.links > 0).map((r) => r.touchpoint),
    ...counters.touchpoints.keys(),
  ]);
  const touchpoints = [...names]
    .map((touchpoint) => {
      const c = counters.touchpoints.get(touchpoint);
      return {
        touchpoint,
        stage: registry.find((r) => r.touchpoint === touchpoint)?.stage ?? c?.stage ?? 'unknown',
        visitors: c?.visitors ?? 0,
        delayHistogram: c?.histogram ?? {},
      };
    })
    .filter((t) => journey.stages.includes(t.stage));
  const goalCounters = Object.fromEntries(
    journey.goals.map((g) => {
      const c = counters.stages.get(goalStep(g));
      return [g, { visitors: c?.visitors ?? 0, delayHistogram: c?.histogram ?? {} }];
    }),
  );
  const report = buildFunnelReport({
    stages: journey.stages,
    stageCounters,
    goals: journey.goals,
    goalCounters,
    touchpoints,
    windowDays: query.window,
  });
  return {
    journey: journey.name,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    window: query.window,
    freshnessSeconds: FRESHNESS_SECONDS,
    ...report,
  };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
