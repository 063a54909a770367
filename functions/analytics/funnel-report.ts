/**
 * Funnel assembly: turns pre-aggregated counters into the `GET /api/journeys/{journey}/funnel` body
 * (docs/design.md §3 and §4). Pure: the caller reads and sums the counters for the period; this module applies
 * the conversion window, computes the rates and medians, and finds the bottlenecks.
 *
 * Over 300 lines on purpose: the three bottleneck rules, their messages and every edge case are one rule
 * set, each rule documented next to its code, and pure (unit-tested in test/unit/analytics/).
 *
 * Choices the design leaves open (also described in docs/analytics.md):
 * - A journey's goals (conversion events) are steps after its last stage: from the last stage, progressing
 *   means converting. The LAST step (the last goal, or the last stage of a journey without goals) has no
 *   later step, so nobody can progress from it: its `progressed` is 0 and `conversionRate`, `dropOff` and
 *   `medianHoursToNext` are null (not 0 % / 100 %, which would read as a catastrophic drop-off). The same
 *   holds for the `progressionRate` of the last stage's touchpoints when there is no goal.
 * - A rate over 0 visitors is null, never NaN; `dropOff` is null whenever `conversionRate` is.
 * - Rates are rounded to 4 decimals; `dropOff = 1 − conversionRate` uses the rounded rate so the two
 *   always add up to 1. `lostVisitors` is computed from unrounded rates and rounded to an integer.
 * - `progressed` only counts visitors within the window, and is capped at `visitors` in case the
 *   counters disagree (a histogram only holds visitors that are also counted in `visitors`).
 * - Touchpoints whose stage is not one of the journey's stages are reported (after the others) but are
 *   never analysed for bottlenecks: without a place in the journey, "later stage" means nothing.
 */
import {
  type DelayHistogram,
  histogramWithin,
  median,
  medianFromHistogram,
  twoProportionZTest,
} from './statistics';

/** A stage or touchpoint needs at least this many visitors to be judged by a `stage` or `touchpoint` bottleneck. */
export const MIN_VISITORS_FOR_BOTTLENECK = 30;
/** One-sided significance level of the touchpoint z-test. */
export const SIGNIFICANCE_LEVEL = 0.05;
/** A touchpoint is `low_reach` when its visitors are under this share of its stage's median. */
export const LOW_REACH_SHARE = 0.1;
/**
 * `low_reach` needs a stage median of at least this many visitors. Below it "under 10 % of the median"
 * can only mean "0 visitors" against a handful, and a couple of stray visitors would decide the verdict.
 */
export const MIN_MEDIAN_FOR_LOW_REACH = 10;

export interface StageCounter {
  /** Visitors whose first human click at the stage falls in the period. */
  visitors: number;
  /** Delay to the first later-stage click, in hours rounded up → visitors (only those who progressed). */
  delayHistogram: DelayHistogram;
}

export interface TouchpointCounter extends StageCounter {
  touchpoint: string;
  stage: string;
}

export interface FunnelInput {
  /** The journey's stages, in order. */
  stages: readonly string[];
  /** Counters per stage; a missing stage counts as 0 visitors. */
  stageCounters: Readonly<Record<string, StageCounter | undefined>>;
  /**
   * The journey's goals (conversion events), in order: steps after the last stage, with their counters
   * (visitors whose first such conversion falls in the period, and their delay to a later goal).
   */
  goals?: readonly string[];
  goalCounters?: Readonly<Record<string, StageCounter | undefined>>;
  /** Counters per touchpoint; each (touchpoint, stage) pair should appear once. */
  touchpoints: readonly TouchpointCounter[];
  /** Conversion window W in whole days (the API accepts 1..90, default 30). */
  windowDays: number;
}

export interface FunnelStage {
  stage: string;
  /** A goal step (a conversion event) rather than a stage of the journey. */
  goal: boolean;
  visitors: number;
  progressed: number;
  conversionRate: number | null;
  dropOff: number | null;
  medianHoursToNext: number | null;
}

export interface FunnelTouchpoint {
  touchpoint: string;
  stage: string;
  visitors: number;
  progressed: number;
  progressionRate: number | null;
}

export type BottleneckKind = 'stage' | 'touchpoint' | 'low_reach';

export interface Bottleneck {
  kind: BottleneckKind;
  stage: string;
  touchpoint?: string;
  rate: number;
  baselineRate: number;
  lostVisitors: number;
  pValue?: number;
  message: string;
}

export interface FunnelReport {
  stages: FunnelStage[];
  touchpoints: FunnelTouchpoint[];
  bottlenecks: Bottleneck[];
}

/** Rows with their unrounded rates, for the bottleneck arithmetic. */
interface StageCalc {
  row: FunnelStage;
  index: number;
  raw: number | null;
}
interface TouchpointCalc {
  row: FunnelTouchpoint;
  stageIndex: number; // -1 when the stage is not in the journey
  raw: number | null;
}

export function buildFunnelReport(input: FunnelInput): FunnelReport {
  const { windowDays } = input;
  const goals = input.goals ?? [];
  // Goals are the last steps: progressing from the last stage means converting (docs/design.md §3).
  const stages = [...input.stages, ...goals];
  const lastIndex = stages.length - 1;
  const stageIndex = new Map<string, number>();
  input.stages.forEach((stage, i) => {
    if (!stageIndex.has(stage)) stageIndex.set(stage, i);
  });

  const stageCalcs: StageCalc[] = stages.map((stage, index) => {
    const goal = index >= input.stages.length;
    const counters = goal ? (input.goalCounters ?? {}) : input.stageCounters;
    const counter = Object.hasOwn(counters, stage) ? counters[stage] : undefined;
    const visitors = cleanCount(counter?.visitors);
    if (index === lastIndex) {
      // No later step: see the module comment.
      return {
        index,
        raw: null,
        row: {
          stage,
          goal,
          visitors,
          progressed: 0,
          conversionRate: null,
          dropOff: null,
          medianHoursToNext: null,
        },
      };
    }
    const within = histogramWithin(counter?.delayHistogram ?? {}, windowDays);
    const progressed = Math.min(visitors, sumCounts(within));
    const raw = visitors > 0 ? progressed / visitors : null;
    const conversionRate = raw === null ? null : round4(raw);
    return {
      index,
      raw,
      row: {
        stage,
        goal,
        visitors,
        progressed,
        conversionRate,
        dropOff: conversionRate === null ? null : round4(1 - conversionRate),
        medianHoursToNext: progressed > 0 ? roundMedian(medianFromHistogram(within)) : null,
      },
    };
  });

  const touchpointCalcs: TouchpointCalc[] = input.touchpoints.map((t) => {
    const idx = stageIndex.get(t.stage) ?? -1;
    const visitors = cleanCount(t.visitors);
    const hasLater = idx >= 0 && idx < lastIndex;
    const progressed = hasLater
      ? Math.min(visitors, sumCounts(histogramWithin(t.delayHistogram ?? {}, windowDays)))
      : 0;
    const raw = hasLater && visitors > 0 ? progressed / visitors : null;
    return {
      stageIndex: idx,
      raw,
      row: {
        touchpoint: t.touchpoint,
        stage: t.stage,
        visitors,
        progressed,
        progressionRate: raw === null ? null : round4(raw),
      },
    };
  });
  // Journey order, then busiest first, then by name; stages outside the journey go last.
  touchpointCalcs.sort(
    (a, b) =>
      orderOf(a.stageIndex) - orderOf(b.stageIndex) ||
      compareText(a.row.stage, b.row.stage) ||
      b.row.visitors - a.row.visitors ||
      compareText(a.row.touchpoint, b.row.touchpoint),
  );

  const bottlenecks: Bottleneck[] = [
    ...stageBottleneck(stageCalcs, stages, windowDays),
    ...touchpointBottlenecks(touchpointCalcs, windowDays),
    ...lowReachBottlenecks(touchpointCalcs, stages),
  ];

  return {
    stages: stageCalcs.map((c) => c.row),
    touchpoints: touchpointCalcs.map((c) => c.row),
    bottlenecks,
  };
}

/**
 * `stage`: the transition with the lowest conversion among the non-last stages with ≥ 30 visitors
 * (ties: the earlier stage). At most one.
 * - rate: its conversion rate.
 * - baselineRate: the pooled conversion of the OTHER eligible stages, Σ progressed / Σ visitors. Stages
 *   under 30 visitors are left out of the baseline as well, for the same reason they cannot be the
 *   bottleneck: too little evidence. When it is the only eligible stage there is nothing to compare
 *   with: baselineRate = rate and lostVisitors = 0 (it is still reported, being the weakest measured step).
 * - lostVisitors: round(visitors × max(0, baselineRate − rate)).
 */
function stageBottleneck(calcs: StageCalc[], stages: readonly string[], windowDays: number): Bottleneck[] {
  const eligible = calcs.filter(
    (c): c is StageCalc & { raw: number } => c.raw !== null && c.row.visitors >= MIN_VISITORS_FOR_BOTTLENECK,
  );
  const weakest = eligible.reduce<(StageCalc & { raw: number }) | undefined>(
    (min, c) => (min === undefined || c.raw < min.raw ? c : min),
    undefined,
  );
  if (!weakest) return [];

  const others = eligible.filter((c) => c !== weakest);
  const otherVisitors = others.reduce((s, c) => s + c.row.visitors, 0);
  const otherProgressed = others.reduce((s, c) => s + c.row.progressed, 0);
  const alone = otherVisitors === 0;
  const baseline = alone ? weakest.raw : otherProgressed / otherVisitors;
  const lostVisitors = Math.round(weakest.row.visitors * Math.max(0, baseline - weakest.raw));

  const { stage } = weakest.row;
  const later = stages.length - 1 - weakest.index; // ≥ 1: the last stage is never eligible
  const next = stages[weakest.index + 1] ?? 'a later step'; // eligible stages have a later step
  // Progression means reaching ANY later stage, not just the next one.
  const destination = later === 1 ? next : `${next} or a later stage`;
  const within = `within ${plural(windowDays, 'day')}`;
  const message = alone
    ? `${capitalize(formatPercent(weakest.raw))} of visitors who reach ${stage} go on to ${destination} ${within}. ` +
      `It is the only step with ${MIN_VISITORS_FOR_BOTTLENECK} or more visitors, so it cannot be compared ` +
      `with the rest of the journey yet.`
    : `${weakest.raw < baseline ? 'Only ' : ''}${formatPercent(weakest.raw)} of visitors who reach ${stage} go on to ` +
      `${destination} ${within}, against ${formatPercent(baseline)} at the journey's other steps — the weakest ` +
      `step of this journey${lostVisitors > 0 ? `: about ${plural(lostVisitors, 'visitor')} lost` : ''}.`;
  return [
    {
      kind: 'stage',
      stage,
      rate: round4(weakest.raw),
      baselineRate: round4(baseline),
      lostVisitors,
      message,
    },
  ];
}

/**
 * `touchpoint`: every touchpoint t of a non-last stage with ≥ 30 visitors whose progression rate is
 * significantly below the pooled rate of the OTHER touchpoints of its stage: one-sided two-proportion
 * z-test of progressed(t)/visitors(t) < Σ progressed(others)/Σ visitors(others), p < 0.05.
 * - rate: progressionRate(t); baselineRate: the pooled rate of the others.
 * - lostVisitors: round(visitors(t) × (baselineRate − rate)), > 0 whenever the test is significant.
 * - pValue: rounded to 4 significant digits.
 * Ranked by lostVisitors, then by pValue, then by name.
 */
function touchpointBottlenecks(calcs: TouchpointCalc[], windowDays: number): Bottleneck[] {
  const found: Array<Bottleneck & { lostVisitors: number; pValue: number }> = [];
  for (const t of calcs) {
    if (t.raw === null || t.row.visitors < MIN_VISITORS_FOR_BOTTLENECK) continue;
    const others = calcs.filter((o) => o !== t && o.stageIndex === t.stageIndex);
    const otherVisitors = others.reduce((s, o) => s + o.row.visitors, 0);
    const otherProgressed = others.reduce((s, o) => s + o.row.progressed, 0);
    if (otherVisitors === 0) continue;
    const { pValue } = twoProportionZTest(t.row.progressed, t.row.visitors, otherProgressed, otherVisitors);
    if (!(pValue < SIGNIFICANCE_LEVEL)) continue;
    const baseline = otherProgressed / otherVisitors;
    const lostVisitors = Math.round(t.row.visitors * (baseline - t.raw));
    const stage = t.row.stage; // raw is set only for touchpoints of a journey stage
    found.push({
      kind: 'touchpoint',
      stage,
      touchpoint: t.row.touchpoint,
      rate: round4(t.raw),
      baselineRate: round4(baseline),
      lostVisitors,
      pValue: Number(pValue.toPrecision(4)),
      message:
        `${t.row.touchpoint} moves ${formatPercent(t.raw)} of its ${plural(t.row.visitors, 'visitor')} past ${stage} ` +
        `within ${plural(windowDays, 'day')}, against ${formatPercent(baseline)} for the stage's other touchpoints: ` +
        `about ${plural(lostVisitors, 'visitor')} lost. Check what this touchpoint promises and where it ` +
        `sends people.`,
    });
  }
  return found.sort(
    (a, b) =>
      b.lostVisitors - a.lostVisitors ||
      a.pValue - b.pValue ||
      compareText(a.touchpoint ?? '', b.touchpoint ?? ''),
  );
}

/**
 * `low_reach`: a touchpoint of a journey stage whose visitors are under 10 % of the median visitors of
 * that stage's touchpoints (the median includes the touchpoint itself and touchpoints with 0 visitors).
 * The stage needs ≥ 2 touchpoints (alone, a touchpoint is its own median) and a median of at least
 * MIN_MEDIAN_FOR_LOW_REACH visitors. Applies to every stage, the last included: reach does not depend
 * on progression. Here the fields describe reach, not conversion:
 * - rate: visitors(t) / median, the touchpoint's reach relative to a typical touchpoint of its stage;
 * - baselineRate: 1, the typical touchpoint (the median) itself;
 * - lostVisitors: round(median − visitors(t)), the visitors a typical touchpoint would have brought.
 * Ranked by lostVisitors, then journey order, then name.
 */
function lowReachBottlenecks(calcs: TouchpointCalc[], stages: readonly string[]): Bottleneck[] {
  const found: Bottleneck[] = [];
  for (const [index, stage] of stages.entries()) {
    const members = calcs.filter((c) => c.stageIndex === index);
    if (members.length < 2) continue;
    const typical = median(members.map((m) => m.row.visitors)) ?? 0;
    if (typical < MIN_MEDIAN_FOR_LOW_REACH) continue;
    for (const m of members) {
      const { visitors, touchpoint } = m.row;
      if (!(visitors < LOW_REACH_SHARE * typical)) continue;
      found.push({
        kind: 'low_reach',
        stage,
        touchpoint,
        rate: round4(visitors / typical),
        baselineRate: 1,
        lostVisitors: Math.round(typical - visitors),
        message:
          `${touchpoint} reached ${plural(visitors, 'visitor')}, under ${formatPercent(LOW_REACH_SHARE)} of the ` +
          `${formatNumber(typical)} a typical ${stage} touchpoint reaches. Check that it is live and easy ` +
          `to find: is the link shared, the poster up, the QR code scannable?`,
      });
    }
  }
  // Stable sort: within equal lostVisitors, journey order then the touchpoint order above (busiest first, then name).
  return found.sort((a, b) => b.lostVisitors - a.lostVisitors);
}

/** Counters are non-negative integers; anything else (missing, NaN, negative) counts as 0. */
function cleanCount(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function sumCounts(histogram: Record<number, number>): number {
  let sum = 0;
  for (const count of Object.values(histogram)) sum += count;
  return sum;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function orderOf(stageIndex: number): number {
  return stageIndex < 0 ? Number.MAX_SAFE_INTEGER : stageIndex;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A rate as a percentage for messages: whole percent, one decimal under 10 % when the decimal carries
 * information ("4.5%", but "4%"), "under 0.1%" for tiny non-zero rates, "over 99%" rather than a
 * misleading "100%" for rates just below 1.
 */
export function formatPercent(rate: number): string {
  const p = rate * 100;
  if (p > 0 && p < 0.05) return 'under 0.1%';
  if (p < 9.95) {
    const oneDecimal = Math.round(p * 10) / 10;
    return `${Number.isInteger(oneDecimal) ? oneDecimal.toFixed(0) : oneDecimal.toFixed(1)}%`;
  }
  const whole = Math.round(p);
  if (whole >= 100 && rate < 1) return 'over 99%';
  return `${whole}%`;
}

// One formatter, made on first use: `toLocaleString` with options builds a new Intl.NumberFormat on every
// call, and building one at module load would put ICU's start-up into every cold start of the api.
let numberFormat: Intl.NumberFormat | undefined;

function formatNumber(n: number): string {
  numberFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  return numberFormat.format(n);
}

function plural(n: number, unit: string): string {
  return `${formatNumber(n)} ${unit}${n === 1 ? '' : 's'}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Medians in hours with two decimals (delays are recorded to the minute for the first hour). */
function roundMedian(hours: number | null): number | null {
  return hours === null ? null : Math.round(hours * 100) / 100;
}
