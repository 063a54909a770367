import { creditIncrements, type StagedTouch } from '#attribution/credits';
import type { AttributionModel } from '#attribution/models';
import { creditAttribute, dayOf, delayAttribute, hourOf, MEASURE } from '#shared/counter-items';
import { goalStep } from './model';
import type { NameMap, TouchpointClicks, VisitorState } from './visitor-state';

/**
 * What a visitor's state contributes to the counters: unique visitors per link, first reach and the delay
 * to progress per stage, goal and touchpoint (the funnel), and attribution credit per conversion. The
 * aggregator applies the difference between the contributions before and after a record, which keeps
 * counters exact whatever order clicks and conversions arrive in.
 */

/** A fact derived from the state: "counted once at (entity, bucket) with this attribute". */
export interface Contribution {
  kind: 'link_uv' | 'stage' | 'touchpoint' | 'attribution';
  /** Link id, stage (a goal's step is `goal:<event>`) or touchpoint; for attribution, the event. */
  subject: string;
  journey: string;
  /** Hour (link_uv, `YYYY-MM-DDTHH`) or day (`YYYY-MM-DD`) of the first click; of the conversion for attribution. */
  bucket: string;
  /**
   * `uv`/`v` for the visitor itself; `d:<minutes>` for the delay to progress to a later stage; for
   * attribution, the credit attribute (counters.ts, creditAttribute).
   */
  attribute: string;
  /** Attribution only: the model the credit is under, the touchpoint credited and its stage. */
  model?: AttributionModel;
  touchpoint?: string;
  stage?: string;
  /** How much it counts (default 1; attribution credits are millionths). */
  weight?: number;
}

/** Upper edges (minutes) of the delay bins up to a day; past a day, bins are whole days. */
const BIN_EDGES_MINUTES = [
  1, 2, 3, 4, 5, 10, 15, 20, 30, 45, 60, 120, 180, 240, 360, 480, 720, 960, 1200, 1440,
];
/** No window is longer than this, so longer delays need no bin. */
export const MAX_DELAY_DAYS = 90;

/**
 * Delay to the next stage as a histogram bin, in minutes: the upper edge of its bin, so rounded up.
 * Fine bins for the first hour (digital journeys move in minutes), coarser up to a day, then whole
 * days. Every edge past a day is a whole day, so for a window of W whole days `delay ≤ W days ⟺
 * bin ≤ 1440·W` holds exactly; and at most ~110 bins exist, so counter items stay small whatever the
 * volume (docs/benchmarks.md). Null past the longest window.
 */
export function delayBinMinutes(delayMs: number): number | null {
  const minutes = Math.ceil(delayMs / 60_000);
  if (minutes <= 0) return 0;
  const edge = BIN_EDGES_MINUTES.find((e) => minutes <= e);
  if (edge !== undefined) return edge;
  const days = Math.ceil(minutes / 1440);
  return days <= MAX_DELAY_DAYS ? days * 1440 : null;
}

function delayBin(next: number | undefined, first: number): number | null {
  return next === undefined ? null : delayBinMinutes(next - first);
}

/** The stage order and the goals of a journey: what the funnel's contributions depend on. */
export interface JourneyShape {
  stages: readonly string[];
  goals: readonly string[];
}

/** Attribution's touches of one journey: every kept click time of every touchpoint, with its stage. */
function touchesOf(touchpoints: NameMap<TouchpointClicks>): StagedTouch[] {
  const touches: StagedTouch[] = [];
  for (const [touchpoint, tp] of Object.entries(touchpoints)) {
    for (const at of tp.t) touches.push({ touchpoint, stage: tp.s, at });
    for (const at of tp.r ?? []) touches.push({ touchpoint, stage: tp.s, at });
  }
  return touches;
}

/**
 * Everything this visitor contributes to the counters, given each journey's stage order and goals. The
 * aggregator applies the difference between the contributions before and after a batch, which keeps
 * counters exact even when clicks and conversions arrive out of order.
 */
export function contributions(
  state: VisitorState,
  shapeOf: (journey: string) => JourneyShape | null,
): Contribution[] {
  const out: Contribution[] = [];
  for (const [linkId, first] of Object.entries(state.links)) {
    out.push({
      kind: 'link_uv',
      subject: linkId,
      journey: '',
      bucket: hourOf(first),
      attribute: MEASURE.uniqueVisitors,
    });
  }
  const conversions = state.conv ?? [];
  for (const [journey, touchpoints] of Object.entries(state.journeys)) {
    const shape = shapeOf(journey);
    if (!shape) continue;
    const { stages, goals } = shape;
    const rank = new Map(stages.map((s, i) => [s, i]));
    const steps = [...stages, ...goals.map(goalStep)];
    const clicks: Array<{ at: number; rank: number }> = [];
    for (const tp of Object.values(touchpoints)) {
      const r = rank.get(tp.s);
      if (r === undefined) continue;
      for (const at of tp.t) clicks.push({ at, rank: r });
    }
    // A goal is a step after the journey's stages, reached by converting after entering the journey.
    const entered = Math.min(...clicks.map((c) => c.at));
    for (const c of conversions) {
      const goal = goals.indexOf(c.e);
      if (goal >= 0 && c.t >= entered) clicks.push({ at: c.t, rank: stages.length + goal });
    }
    clicks.sort((a, b) => a.at - b.at);
    /** First click (or goal conversion) at a step later than `stageRank` at or after `from`. */
    const progressAfter = (stageRank: number, from: number) =>
      clicks.find((c) => c.at >= from && c.rank > stageRank)?.at;

    const firstByStage = new Map<number, number>();
    for (const c of clicks) if (!firstByStage.has(c.rank)) firstByStage.set(c.rank, c.at);
    for (const [stageRank, first] of firstByStage) {
      const stage = steps[stageRank];
      if (stage === undefined) continue;
      const day = dayOf(first);
      out.push({ kind: 'stage', subject: stage, journey, bucket: day, attribute: MEASURE.visitors });
      const bin = delayBin(progressAfter(stageRank, first), first);
      if (bin !== null)
        out.push({ kind: 'stage', subject: stage, journey, bucket: day, attribute: delayAttribute(bin) });
    }
    for (const [touchpoint, tp] of Object.entries(touchpoints)) {
      const first = tp.t[0];
      const r = rank.get(tp.s);
      if (first === undefined || r === undefined) continue;
      const day = dayOf(first);
      out.push({
        kind: 'touchpoint',
        subject: touchpoint,
        journey,
        bucket: day,
        attribute: MEASURE.visitors,
      });
      const bin = delayBin(progressAfter(r, first), first);
      if (bin !== null) {
        out.push({
          kind: 'touchpoint',
          subject: touchpoint,
          journey,
          bucket: day,
          attribute: delayAttribute(bin),
        });
      }
    }
    if (conversions.length === 0) continue;
    const touches = touchesOf(touchpoints);
    for (const c of conversions) {
      const day = dayOf(c.t);
      for (const inc of creditIncrements(touches, { at: c.t, value: c.v, currency: c.c })) {
        out.push({
          kind: 'attribution',
          subject: c.e,
          journey,
          bucket: day,
          model: inc.model,
          touchpoint: inc.touchpoint,
          stage: inc.stage,
          attribute: creditAttribute(inc.lookback, inc.measure),
          weight: inc.amount,
        });
      }
    }
  }
  return out;
}
