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

export interface TouchpointClicks {
  /** Stage of the touchpoint at its first click. */
  s: string;
  /** Earliest click times (epoch ms), sorted ascending, distinct. */
  t: number[];
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
}

export function emptyVisitorState(): VisitorState {
  return { links: nameMap(), journeys: nameMap() };
}

/** The stored JSON form back into a state whose maps have no prototype. */
export function parseVisitorState(json: string): VisitorState {
  const raw = JSON.parse(json) as { links?: object; journeys?: object };
  return {
    links: nameMap(Object.entries(raw.links ?? {}) as Array<[string, number]>),
    journeys: nameMap(
      Object.entries(raw.journeys ?? {}).map(([journey, touchpoints]) => [
        journey,
        nameMap(Object.entries(touchpoints as object) as Array<[string, TouchpointClicks]>),
      ]),
    ),
  };
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

/** Adds one human click. Idempotent: the same click applied twice changes nothing the second time. */
export function applyClick(state: VisitorState, click: VisitorClick): void {
  const first = state.links[click.linkId];
  if (first === undefined) {
    if (Object.keys(state.links).length < MAX_LINKS) state.links[click.linkId] = click.at;
  } else if (click.at < first) {
    state.links[click.linkId] = click.at;
  }
  let touchpoints = state.journeys[click.journey];
  if (touchpoints === undefined) {
    touchpoints = nameMap();
    state.journeys[click.journey] = touchpoints;
  }
  let tp = touchpoints[click.touchpoint];
  if (!tp) {
    if (Object.keys(touchpoints).length >= MAX_TOUCHPOINTS) return;
    tp = { s: click.stage, t: [] };
    touchpoints[click.touchpoint] = tp;
  }
  if (tp.t.includes(click.at)) return;
  if (tp.t.length >= MAX_TIMES && click.at > tp.t[tp.t.length - 1]!) return;
  tp.t.push(click.at);
  tp.t.sort((a, b) => a - b);
  if (tp.t.length > MAX_TIMES) tp.t.length = MAX_TIMES;
  // The stage that counts is the one of the earliest click on the touchpoint.
  if (tp.t[0] === click.at) tp.s = click.stage;
}

/** A fact derived from the state: "counted once at (entity, bucket) with this attribute". */
export interface Contribution {
  kind: 'link_uv' | 'stage' | 'touchpoint';
  /** Link id, stage or touchpoint. */
  subject: string;
  journey: string;
  /** Hour (link_uv, `YYYY-MM-DDTHH`) or day (`YYYY-MM-DD`) of the first click. */
  bucket: string;
  /** `uv`/`v` for the visitor itself; `d:<minutes>` for the delay to progress to a later stage. */
  attribute: string;
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

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Everything this visitor contributes to the counters, given each journey's stage order. The
 * aggregator applies the difference between the contributions before and after a batch, which keeps
 * counters exact even when clicks arrive out of order.
 */
export function contributions(
  state: VisitorState,
  stageOrder: (journey: string) => string[] | null,
): Contribution[] {
  const out: Contribution[] = [];
  for (const [linkId, first] of Object.entries(state.links)) {
    out.push({
      kind: 'link_uv',
      subject: linkId,
      journey: '',
      bucket: iso(first).slice(0, 13),
      attribute: 'uv',
    });
  }
  for (const [journey, touchpoints] of Object.entries(state.journeys)) {
    const stages = stageOrder(journey);
    if (!stages) continue;
    const rank = new Map(stages.map((s, i) => [s, i]));
    const clicks: Array<{ at: number; rank: number }> = [];
    for (const tp of Object.values(touchpoints)) {
      const r = rank.get(tp.s);
      if (r === undefined) continue;
      for (const at of tp.t) clicks.push({ at, rank: r });
    }
    clicks.sort((a, b) => a.at - b.at);
    /** First click at a stage later than `stageRank` at or after `from`. */
    const progressAfter = (stageRank: number, from: number) =>
      clicks.find((c) => c.at >= from && c.rank > stageRank)?.at;

    const firstByStage = new Map<number, number>();
    for (const c of clicks) if (!firstByStage.has(c.rank)) firstByStage.set(c.rank, c.at);
    for (const [stageRank, first] of firstByStage) {
      const stage = stages[stageRank]!;
      const day = iso(first).slice(0, 10);
      out.push({ kind: 'stage', subject: stage, journey, bucket: day, attribute: 'v' });
      const bin = delayBin(progressAfter(stageRank, first), first);
      if (bin !== null)
        out.push({ kind: 'stage', subject: stage, journey, bucket: day, attribute: `d:${bin}` });
    }
    for (const [touchpoint, tp] of Object.entries(touchpoints)) {
      const first = tp.t[0];
      const r = rank.get(tp.s);
      if (first === undefined || r === undefined) continue;
      const day = iso(first).slice(0, 10);
      out.push({ kind: 'touchpoint', subject: touchpoint, journey, bucket: day, attribute: 'v' });
      const bin = delayBin(progressAfter(r, first), first);
      if (bin !== null) {
        out.push({ kind: 'touchpoint', subject: touchpoint, journey, bucket: day, attribute: `d:${bin}` });
      }
    }
  }
  return out;
}
