import { performance } from 'node:perf_hooks';
import { CREDIT_UNIT, creditIncrements, type StagedTouch } from '#attribution/credits';
import { ATTRIBUTION_MODELS } from '#attribution/models';
import { COUNTER_ENTITY, creditAttribute, dayOf } from '#shared/counter-items';
import { keys } from '#shared/keys';
import { api, apiOk, type BenchContext, writeItems } from './context';
import { median, progress, rng, weighted } from './lib';

/**
 * Figure 8 (issue 18): the attribution report at 10,000 and at 1,000,000 conversions in 30 days — DynamoDB
 * requests per report (counted at the SDK), bytes read, and latency (HTTP to the local server) — for all
 * five models at lookbacks 30 and 7 days.
 *
 * The counter items are what the aggregator leaves: credit increments from `creditIncrements` under the
 * attribute names of `creditAttribute`, on the keys of `keys.attributionDay` (one item per day, model and
 * touchpoint), the same functions the
 * visitor state's contributions use (the integration test checks those against hand-computed credits
 * through the real redirect and aggregator). A million conversions are not pushed through the
 * aggregator on DynamoDB Local; they are folded in memory and written directly. To fold them in seconds,
 * conversions are drawn from a pool of POOL distinct visitor paths (touchpoints and touch ages; a path's
 * credit does not depend on its day), each path's increments are computed once and added `count` times
 * per day. The items are those of a million conversions whose paths repeat among 20,000: the same
 * attributes a million distinct paths would give once every (touchpoint, lookback day) pair occurs,
 * which 20,000 paths over 20 touchpoints already do (an item is one day, model and touchpoint, with at
 * most 7 lookbacks × (1 + currencies) attributes).
 */

const TOUCHPOINTS = Array.from({ length: 20 }, (_, i) => `tp-${String(i).padStart(2, '0')}`);
const STAGES = ['discover', 'consider', 'buy'];
const POOL = 20_000;
const DAY_MS = 86_400_000;

/** Touchpoints by Zipf popularity (exponent 1): the i-th is chosen in proportion to 1 / (i + 1). */
const ZIPF = TOUCHPOINTS.map((_, i) => [i, 1 / (i + 1)] as const);

interface PathTemplate {
  /** Touch ages before the conversion (ms) with their touchpoints. */
  touches: Array<{ touchpoint: string; stage: string; ageMs: number }>;
  value: number;
  currency: string;
}

function templates(count: number, seed: number): PathTemplate[] {
  const rand = rng(seed);
  return Array.from({ length: count }, () => {
    const n = 1 + Math.floor(rand() * 6);
    const touches = Array.from({ length: n }, () => {
      const i = weighted(rand, ZIPF);
      return {
        touchpoint: TOUCHPOINTS[i] ?? 'tp-00',
        stage: STAGES[i % STAGES.length] ?? 'discover',
        // Most touches are recent, some up to 60 days old.
        ageMs: Math.floor(rand() ** 2 * 60 * DAY_MS),
      };
    });
    return {
      touches,
      value: Math.round((10 + rand() * 190) * 100) * 10_000, // millionths, 2 decimals
      currency: rand() < 0.75 ? 'USD' : 'EUR',
    };
  });
}

/** The attribution counter items for `conversions` conversions over the 30 days before `now`. */
export function foldAttributionItems(
  journey: string,
  event: string,
  conversions: number,
  now: number,
): Record<string, unknown>[] {
  const pool = templates(Math.min(POOL, conversions), 18);
  const at = (day: number) => Math.floor(now / DAY_MS) * DAY_MS - day * DAY_MS + 12 * 3_600_000;
  // Each path's increments once (relative to a conversion at 0), then counts per (path, day).
  const increments = pool.map((t) =>
    creditIncrements(
      t.touches.map<StagedTouch>((x) => ({ touchpoint: x.touchpoint, stage: x.stage, at: -x.ageMs })),
      { at: 0, value: t.value, currency: t.currency },
    ),
  );
  const counts = new Map<number, number>(); // path * 30 + day → conversions
  const rand = rng(7);
  for (let k = 0; k < conversions; k++) {
    const slot = (k % pool.length) * 30 + Math.floor(rand() * 30);
    counts.set(slot, (counts.get(slot) ?? 0) + 1);
  }
  const items = new Map<string, Record<string, unknown>>();
  for (const [slot, count] of counts) {
    const path = Math.floor(slot / 30);
    const day = dayOf(at(slot % 30));
    for (const inc of increments[path] ?? []) {
      const key = keys.attributionDay(journey, event, inc.model, day, inc.touchpoint);
      let item = items.get(key.sk);
      if (!item) {
        item = {
          ...key,
          entity: COUNTER_ENTITY.attribution,
          journey,
          event,
          model: inc.model,
          day,
          touchpoint: inc.touchpoint,
          stage: inc.stage,
        };
        items.set(key.sk, item);
      }
      const attribute = creditAttribute(inc.lookback, inc.measure);
      item[attribute] = ((item[attribute] as number | undefined) ?? 0) + inc.amount * count;
    }
  }
  return [...items.values()];
}

export interface AttributionFigure {
  conversions: number;
  items: number;
  maxItemBytes: number;
  meanItemBytes: number;
  maxItemAttributes: number;
  foldSeconds: number;
  reports: Array<{
    model: string;
    lookback: number;
    requests: number;
    itemsRead: number;
    latencyMs: number;
    credited: number;
  }>;
}

const byteSize = (item: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(item));

export async function benchAttribution(
  ctx: BenchContext,
  options: { volumes: number[]; rounds: number },
): Promise<AttributionFigure[]> {
  const now = Date.now();
  const figures: AttributionFigure[] = [];
  const journeys: string[] = [];
  for (const conversions of options.volumes) {
    const journey = `bench-attr-${conversions}`;
    await apiOk(ctx, 'PUT', `/api/journeys/${journey}`, { stages: STAGES, goals: ['purchase'] });
    const started = performance.now();
    const items = foldAttributionItems(journey, 'purchase', conversions, now);
    const foldSeconds = (performance.now() - started) / 1000;
    progress(`  ${conversions} conversions: ${items.length} items folded in ${foldSeconds.toFixed(1)} s`);
    await writeItems(ctx, items);
    const sizes = items.map(byteSize);
    figures.push({
      conversions,
      items: items.length,
      maxItemBytes: Math.max(...sizes),
      meanItemBytes: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length),
      maxItemAttributes: Math.max(...items.map((i) => Object.keys(i).length)),
      foldSeconds,
      reports: [],
    });
    journeys.push(journey);
  }
  const samples = new Map<string, number[]>();
  for (let round = 0; round < options.rounds; round++) {
    for (const [v, journey] of journeys.entries()) {
      for (const model of ATTRIBUTION_MODELS) {
        for (const lookback of [30, 7]) {
          const path = `/api/journeys/${journey}/attribution?model=${model}&lookback=${lookback}`;
          ctx.counter.reset();
          ctx.counter.enabled = true;
          const t0 = performance.now();
          const res = await api<{ conversions: number }>(ctx, 'GET', path);
          const ms = performance.now() - t0;
          ctx.counter.enabled = false;
          if (res.status !== 200) throw new Error(`${path} → ${res.status}`);
          const id = `${v}|${model}|${lookback}`;
          samples.set(id, [...(samples.get(id) ?? []), ms]);
          if (round === 0) {
            figures[v]?.reports.push({
              model,
              lookback,
              requests: ctx.counter.commands,
              itemsRead: ctx.counter.queryItems,
              latencyMs: 0,
              credited: res.json.conversions,
            });
          }
        }
      }
    }
  }
  for (const [v, figure] of figures.entries())
    for (const r of figure.reports) r.latencyMs = median(samples.get(`${v}|${r.model}|${r.lookback}`) ?? []);
  return figures;
}

/** Sums of a figure for the table: requests and latency per report, over models and lookbacks. */
export function attributionSummary(f: AttributionFigure) {
  return {
    requests: [...new Set(f.reports.map((r) => r.requests))],
    latencyMs: median(f.reports.map((r) => r.latencyMs)),
    itemsRead: Math.max(...f.reports.map((r) => r.itemsRead)),
    credited30: f.reports.find((r) => r.model === 'linear' && r.lookback === 30)?.credited ?? 0,
    creditUnit: CREDIT_UNIT,
  };
}

/** `npx tsx bench/attribution.ts`: this figure alone (BENCH_QUICK=1: 100,000 instead of 1,000,000). */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { withBenchRuntime } = await import('./experiments/setup');
  const quick = process.env.BENCH_QUICK === '1';
  const result = await withBenchRuntime((ctx) =>
    benchAttribution(ctx, { volumes: [10_000, quick ? 100_000 : 1_000_000], rounds: quick ? 3 : 9 }),
  );
  for (const f of result) {
    const s = attributionSummary(f);
    console.log(
      `${f.conversions} conversions: ${f.items} items (max ${f.maxItemBytes} B, mean ${f.meanItemBytes} B, max ${f.maxItemAttributes} attributes), folded in ${f.foldSeconds.toFixed(1)} s; per report: requests ${s.requests.join('/')}, items read ≤ ${s.itemsRead}, median latency ${s.latencyMs.toFixed(1)} ms; linear/30 credits ${s.credited30}`,
    );
  }
  console.log(JSON.stringify(result));
}
