import { creditIncrements, type StagedTouch } from '#attribution/credits';
import type { AttributionModel } from '#attribution/models';
import { creditAttribute, dayOf, delayAttribute, hourOf, MEASURE } from '#shared/counter-items';
import { goalStep } from './model';

/**
 * One visitor's journey state, kept in one item per visitor and updated by the aggregator. It holds
 * just enough to derive, exactly, every per-visitor fact the funnel and unique counts need:
 * first click per link, and per journey the earliest click times on each touchpoint (with its stage).
 *
 * Bounded (docs/design.md asks for it): at most MAX_LINKS links, MAX_TOUCHPOINTS touchpoints per journey and
 * MAX_TIMES click times per touchpoint (the earliest ones, which are the ones first-reach and
 * progression depend on). A visitor past those bounds stops contributing new facts; counts of clicks
 * and scans are unaffected. docs/analytics.md explains the bound.
 */
export const MAX_LINKS = 500;
export const MAX_TOUCHPOINTS = 40;
export const MAX_TIMES = 8;
/**
 * Attribution's touch history (ADR 0057): besides each touchpoint's earliest MAX_TIMES clicks, a journey
 * keeps its latest MAX_RECENT_TOUCHES other clicks, so a conversion sees the touches just before it.
 */
export const MAX_RECENT_TOUCHES = 50;
/** The visitor's latest conversions (older ones stop being re-credited; their counters stay). */
export const MAX_CONVERSIONS = 20;

export interface TouchpointClicks {
  /** Stage of the touchpoint at its first click. */
  s: string;
  /** Earliest click times (epoch ms), sorted ascending, distinct. */
  t: number[];
  /**
   * Later click times not in `t` (sorted, distinct), among the journey's latest MAX_RECENT_TOUCHES:
   * attribution's touches are `t` and `r` together. Absent while empty (most visitors).
   */
  r?: number[];
}

/** A conversion joined to this visitor (what attribution and journey goals need of it). */
export interface VisitorConversion {
  /** The conversion's id: applying it twice changes nothing the second time. */
  id: string;
  /** Event name (`purchase`, `signup`, …). */
  e: string;
  /** When it happened (epoch ms). */
  t: number;
  /** Value in millionths of the currency (an integer), with its ISO 4217 currency; absent without a value. */
  v?: number;
  c?: string;
}

/**
 * A map from names people choose (journeys, touchpoints, link ids) to values. It has no prototype, so a
 * journey named `constructor` or a touchpoint named `__proto__` is an ordinary key, never an inherited
 * property (issue 14: such a name used to crash the aggregator and drop whole batches).
 */
export type NameMap<T> = Record<string, T>;

export function nameMap<T>(entries: Iterable<[string, T]> = []): NameMap<T> {
  const map = Object.create(null) as NameMap<T>;
  for (const [key, value] of entries) map[key] = value;
  return map;
}

export interface VisitorState {
  /** linkId → first human click (epoch ms). */
  links: NameMap<number>;
  /** journey → touchpoint → clicks. */
  journeys: NameMap<NameMap<TouchpointClicks>>;
  /** Conversions, oldest first, at most MAX_CONVERSIONS. Absent while none. */
  conv?: VisitorConversion[];
}

export function emptyVisitorState(): VisitorState {
  return { links: nameMap(), journeys: nameMap() };
}

/** The stored JSON form back into a state whose maps have no prototype. */
export function parseVisitorState(json: string): VisitorState {
  const raw = JSON.parse(json) as { links?: object; journeys?: object; conv?: VisitorConversion[] };
  const state: VisitorState = {
    links: nameMap(Object.entries(raw.links ?? {}) as Array<[string, number]>),
    journeys: nameMap(
      Object.entries(raw.journeys ?? {}).map(([journey, touchpoints]) => [
        journey,
        nameMap(Object.entries(touchpoints as object) as Array<[string, TouchpointClicks]>),
      ]),
    ),
  };
  if (raw.conv?.length) state.conv = raw.conv;
  return state;
}

export interface VisitorClick {
  at: number;
  linkId: string;
  journey: string;
  stage: string;
  touchpoint: string;
}

/** The part of a stored click (ISO time) the state is made of. */
export function visitorClickOf(click: Omit<VisitorClick, 'at'> & { at: string }): VisitorClick {
  return {
    at: Date.parse(click.at),
    linkId: click.linkId,
    journey: click.journey,
    stage: click.stage,
    touchpoint: click.touchpoint,
  };
}

/**
 * Adds one human click; true when the state changed. Idempotent: the same click applied twice changes
 * nothing the second time.
 */
export function applyClick(state: VisitorState, click: VisitorClick): boolean {
  let changed = false;
  const first = state.links[click.linkId];
  if (first === undefined ? Object.keys(state.links).length < MAX_LINKS : click.at < first) {
    state.links[click.linkId] = click.at;
    changed = true;
  }
  let touchpoints = state.journeys[click.journey];
  if (touchpoints === undefined) {
    touchpoints = nameMap();
    state.journeys[click.journey] = touchpoints;
  }
  let tp = touchpoints[click.touchpoint];
  if (!tp) {
    if (Object.keys(touchpoints).length >= MAX_TOUCHPOINTS) return changed;
    tp = { s: click.stage, t: [] };
    touchpoints[click.touchpoint] = tp;
  }
  if (tp.t.includes(click.at) || tp.r?.includes(click.at)) return changed;
  const latestEarly = tp.t[tp.t.length - 1];
  if (tp.t.length >= MAX_TIMES && latestEarly !== undefined && click.at > latestEarly) {
    return keepRecent(touchpoints, tp, click.at) || changed;
  }
  tp.t.push(click.at);
  tp.t.sort((a, b) => a - b);
  const pushedOut = tp.t.length > MAX_TIMES ? tp.t.pop() : undefined;
  if (pushedOut !== undefined) keepRecent(touchpoints, tp, pushedOut);
  // The stage that counts is the one of the earliest click on the touchpoint.
  if (tp.t[0] === click.at) tp.s = click.stage;
  return true;
}

/**
 * Adds a click time to the touchpoint's recent touches, then drops the journey's oldest recent touch
 * while there are more than MAX_RECENT_TOUCHES. A time older than every kept one is dropped again at
 * once, so applying a click twice still changes nothing the second time. True when the time was kept.
 */
function keepRecent(touchpoints: NameMap<TouchpointClicks>, tp: TouchpointClicks, at: number): boolean {
  tp.r = [...(tp.r ?? []), at].sort((a, b) => a - b);
  let kept = 0;
  for (const other of Object.values(touchpoints)) kept += other.r?.length ?? 0;
  while (kept > MAX_RECENT_TOUCHES) {
    let oldest: TouchpointClicks | undefined;
    for (const other of Object.values(touchpoints)) {
      const first = other.r?.[0];
      if (first !== undefined && (oldest?.r?.[0] === undefined || first < oldest.r[0])) oldest = other;
    }
    if (!oldest?.r) break;
    oldest.r.shift();
    if (oldest.r.length === 0) delete oldest.r;
    kept--;
  }
  return tp.r?.includes(at) ?? false;
}

/**
 * Adds a conversion; true when the state changed. Idempotent (by id), and bounded: past MAX_CONVERSIONS
 * the oldest is dropped, so a redelivered old conversion is dropped again at once.
 */
export function applyConversion(state: VisitorState, conversion: VisitorConversion): boolean {
  const list = state.conv ?? [];
  if (list.some((c) => c.id === conversion.id)) return false;
  list.push(conversion);
  list.sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : 1));
  while (list.length > MAX_CONVERSIONS) list.shift();
  state.conv = list;
  return list.includes(conversion);
}

/** The part of a stored conversion the state keeps. */
export function visitorConversionOf(conversion: {
  id: string;
  event: string;
  at: string;
  value: number | null;
  currency: string | null;
}): VisitorConversion {
  const out: VisitorConversion = { id: conversion.id, e: conversion.event, t: Date.parse(conversion.at) };
  if (conversion.value !== null && conversion.currency !== null) {
    // Values have at most 2 decimals (the API checks it): millionths are exact integers.
    out.v = Math.round(conversion.value * 1_000_000);
    out.c = conversion.currency;
  }
  return out;
}

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
