/**
 * One visitor's journey state, kept in one item per visitor and updated by the aggregator. It holds
 * just enough to derive, exactly, every per-visitor fact the funnel and unique counts need:
 * first click per link, and per journey the earliest click times on each touchpoint (with its stage).
 * What the counters get from a state is in contributions.ts.
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
    // Values have at most 4 decimals (their currency's minor unit, checked by the API): millionths are exact integers.
    out.v = Math.round(conversion.value * 1_000_000);
    out.c = conversion.currency;
  }
  return out;
}

/** The earliest time a state holds (epoch ms), or Infinity for an empty state. */
export function earliestTime(state: VisitorState): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const at of Object.values(state.links)) earliest = Math.min(earliest, at);
  for (const touchpoints of Object.values(state.journeys)) {
    for (const tp of Object.values(touchpoints))
      earliest = Math.min(earliest, tp.t[0] ?? earliest, tp.r?.[0] ?? earliest);
  }
  for (const c of state.conv ?? []) earliest = Math.min(earliest, c.t);
  return earliest;
}

/**
 * Whether two states hold the same facts. Maps are compared by content, not by the order their keys
 * were added in (the stream applies clicks in arrival order, a recount in time order).
 */
export function sameVisitorState(a: VisitorState, b: VisitorState): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
