import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CounterUpdate,
  clickCounterUpdates,
  contributionDelta,
  mergeUpdates,
} from '#aggregation/counters';
import {
  type PlanInput,
  planBatch,
  type Segment,
  type StoredVisitor,
  type StreamRecord,
} from '#aggregation/plan';
import type { ClickEvent } from '#clicks/model';
import type { Conversion } from '#conversions/model';
import { contributions, type JourneyShape } from '#journeys/contributions';
import {
  applyClick,
  applyConversion,
  emptyVisitorState,
  visitorClickOf,
  visitorConversionOf,
} from '#journeys/visitor-state';
import { keys } from '#shared/keys';
import { clickOn, SAMPLE_LINK } from '../../support/clicks';

/**
 * The aggregator's planner without DynamoDB: a tiny in-memory store commits segments with the same
 * conditions the transactions carry (visitor versions, checkpoint values), so redelivery, failures half
 * way and out-of-order arrival can be played exhaustively. The counters it ends with must equal what
 * recount computes from the raw records (clickCounterUpdates + each visitor's contributions).
 */
const SHAPES: Record<string, JourneyShape> = {
  default: {
    stages: ['awareness', 'consideration', 'decision', 'retention', 'advocacy'],
    goals: ['purchase'],
  },
};
const shapeOf = (journey: string) => SHAPES[journey] ?? null;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-20T08:00:00Z');

const TOUCHPOINTS = [
  ['poster', 'awareness'],
  ['ig-ad', 'awareness'],
  ['email', 'consideration'],
  ['checkout', 'decision'],
] as const;

/** A minted visitor id for visitor number `n` (its first click has this id too, ADR 0015). */
const mintedId = (n: number) => keys.mintedVisitorId(T0 + n, n % 32, `visitr${String(n).padStart(5, '0')}`);

let seq = 1000n;
function clickRecord(click: ClickEvent, partition = 0): StreamRecord {
  seq += 1n;
  return {
    kind: 'click',
    seq: seq.toString(),
    clickPk: keys.click(click.at.slice(0, 13), partition, click.at, click.id).pk,
    click,
  };
}
function conversionRecord(conversion: Conversion): StreamRecord {
  seq += 1n;
  return { kind: 'conversion', seq: seq.toString(), conversion };
}

function click(visitor: number, tp: number, hours: number, extra: Partial<ClickEvent> = {}): ClickEvent {
  const [touchpoint, stage] = TOUCHPOINTS[tp % TOUCHPOINTS.length] ?? TOUCHPOINTS[0];
  return clickOn(
    { ...SAMPLE_LINK, id: `lnk-${touchpoint}`, touchpoint, stage },
    {
      id: `c-${visitor}-${tp}-${hours}-${seq}`,
      visitorId: mintedId(visitor),
      at: new Date(T0 + hours * HOUR).toISOString(),
      ...extra,
    },
  );
}

function conversion(visitor: number, hours: number, value = 10): Conversion {
  return {
    id: `cv-${visitor}-${hours}`,
    event: 'purchase',
    clickId: 'x',
    visitorId: mintedId(visitor),
    linkId: 'lnk-checkout',
    journey: 'default',
    touchpoint: 'checkout',
    stage: 'decision',
    value,
    currency: 'USD',
    orderId: null,
    customerId: null,
    at: new Date(T0 + hours * HOUR).toISOString(),
    receivedAt: new Date(T0 + hours * HOUR).toISOString(),
  };
}

/** What DynamoDB holds for the aggregator, and the counters its deltas add up to. */
class Store {
  checkpoints = new Map<string, string>();
  visitors = new Map<string, StoredVisitor>();
  counters: CounterUpdate[] = [];
  /** Raw items the stream carried (for first clicks read by id). */
  stored = new Map<string, ClickEvent>();

  /** Commits a segment as one transaction: all its conditions hold, or nothing changes. */
  commit(segment: Segment): boolean {
    for (const w of segment.visitorWrites)
      if ((this.visitors.get(w.id)?.version ?? 0) !== w.expectedVersion) return false;
    for (const item of segment.checkpointItems)
      for (const a of item) if (this.checkpoints.get(a.clickPk) !== a.previous) return false;
    for (const w of segment.visitorWrites)
      this.visitors.set(w.id, {
        state: structuredClone(w.state),
        version: w.expectedVersion + 1,
        firstClickMissing: w.firstClickMissing,
      });
    for (const item of segment.checkpointItems) for (const a of item) this.checkpoints.set(a.clickPk, a.seq);
    this.counters.push(...segment.updates);
    return true;
  }

  /** What aggregate.ts reads before planning. */
  input(records: StreamRecord[], maxItems: number): PlanInput {
    const visitors = new Map<string, StoredVisitor>();
    const firstClicks = new Map<string, ClickEvent>();
    for (const r of records) {
      const id = r.kind === 'click' ? (r.click.bot ? undefined : r.click.visitorId) : r.conversion.visitorId;
      if (id === undefined) continue;
      visitors.set(
        id,
        this.visitors.get(id) ?? { state: emptyVisitorState(), version: 0, firstClickMissing: false },
      );
      const first = this.stored.get(id);
      if (first) firstClicks.set(id, first);
    }
    // As aggregate.ts does: the batch's own minting clicks, whether counted before or not.
    for (const r of records)
      if (r.kind === 'click' && r.click.newVisitor) firstClicks.set(r.click.visitorId, r.click);
    return { records, checkpoints: new Map(this.checkpoints), visitors, firstClicks, shapeOf, maxItems };
  }

  /** Delivers a batch until it is committed, failing the commit of segment `failAt` once if given. */
  deliver(records: StreamRecord[], maxItems = 100, failAt?: number): void {
    for (const r of records)
      if (r.kind === 'click' && r.click.newVisitor) this.stored.set(r.click.visitorId, r.click);
    let remaining = records;
    let failures = failAt === undefined ? 0 : 1;
    for (let attempt = 0; attempt < 10; attempt++) {
      const plan = planBatch(this.input(remaining, maxItems));
      let failedSeq: string | undefined;
      for (const [i, segment] of plan.segments.entries()) {
        if (failures > 0 && i === failAt) {
          failures--;
          failedSeq = segment.firstSeq;
          break;
        }
        if (!this.commit(segment)) throw new Error('a planned condition did not hold');
      }
      if (failedSeq === undefined) return;
      remaining = remaining.slice(remaining.findIndex((r) => r.seq === failedSeq));
    }
    throw new Error('never committed');
  }

  /** Counters per item and attribute, zeros left out. */
  totals(): Record<string, Record<string, number>> {
    return normalise(this.counters);
  }
}

function normalise(updates: CounterUpdate[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [id, u] of mergeUpdates(updates)) out[id] = u.add;
  return out;
}

/** What recount computes from the raw records (every click and conversion once). */
function recounted(records: StreamRecord[]): Record<string, Record<string, number>> {
  const updates: CounterUpdate[] = [];
  const states = new Map<string, ReturnType<typeof emptyVisitorState>>();
  const seen = new Set<string>();
  for (const r of records) {
    const id = r.kind === 'click' ? r.click.id : r.conversion.id;
    if (seen.has(id)) continue;
    seen.add(id);
    if (r.kind === 'click') {
      updates.push(...clickCounterUpdates(r.click));
      if (r.click.bot) continue;
    }
    const visitor = r.kind === 'click' ? r.click.visitorId : r.conversion.visitorId;
    const state = states.get(visitor) ?? emptyVisitorState();
    if (r.kind === 'click') applyClick(state, visitorClickOf(r.click));
    else applyConversion(state, visitorConversionOf(r.conversion));
    states.set(visitor, state);
  }
  for (const state of states.values()) updates.push(...contributionDelta([], contributions(state, shapeOf)));
  return normalise(updates);
}

/** A small journey: visitor 1 minted on the poster, then email, checkout and a purchase; visitor 2 a bot and a click. */
function journey(): StreamRecord[] {
  return [
    clickRecord(click(1, 0, 0, { id: mintedId(1), newVisitor: true })),
    clickRecord(click(1, 2, 1)),
    clickRecord(click(2, 1, 1, { bot: true })),
    clickRecord(click(1, 3, 2), 1),
    conversionRecord(conversion(1, 3, 49.99)),
    clickRecord(click(2, 1, 4, { id: mintedId(2), newVisitor: true }), 2),
  ];
}

describe('planBatch', () => {
  it('plans one transaction for a small batch, and its counters are what recount computes', () => {
    const records = journey();
    const store = new Store();
    const plan = planBatch(store.input(records, 100));
    expect(plan.segments).toHaveLength(1);
    expect(plan.alreadyCounted).toBe(0);
    // The minting click writes no visitor item (ADR 0015); the visitor's later records do, once.
    expect(plan.segments[0]?.visitorWrites.map((w) => [w.id, w.expectedVersion])).toEqual([[mintedId(1), 0]]);
    store.deliver(records);
    expect(store.totals()).toEqual(recounted(records));
  });

  it('plans nothing for a batch delivered again', () => {
    const records = journey();
    const store = new Store();
    store.deliver(records);
    const again = planBatch(store.input(records, 100));
    // Clicks are skipped by their checkpoints; the conversion is planned but changes no state or counter.
    expect(again.alreadyCounted).toBe(5);
    expect(again.segments.flatMap((s) => s.visitorWrites)).toEqual([]);
    expect(again.segments.flatMap((s) => s.updates)).toEqual([]);
    store.deliver(records);
    expect(store.totals()).toEqual(recounted(records));
  });

  it('cuts a batch into transactions that fit, carrying versions and checkpoints from one to the next', () => {
    const records = journey();
    const plan = planBatch(new Store().input(records, 3));
    expect(plan.segments.length).toBeGreaterThan(1);
    for (const s of plan.segments) {
      const items = s.visitorWrites.length + s.checkpointItems.length + 1;
      expect(items).toBeLessThanOrEqual(3);
    }
    const store = new Store();
    for (const s of plan.segments) expect(store.commit(s)).toBe(true);
    expect(store.totals()).toEqual(recounted(records));
  });

  it('counts every record once whatever the order, the batching, the transaction size and the failures (property)', () => {
    const recordArb = fc.oneof(
      fc.record({
        kind: fc.constant('click' as const),
        visitor: fc.integer({ min: 1, max: 4 }),
        tp: fc.integer({ min: 0, max: 3 }),
        hours: fc.integer({ min: 0, max: 72 }),
        bot: fc.boolean(),
        partition: fc.integer({ min: 0, max: 3 }),
      }),
      fc.record({
        kind: fc.constant('conversion' as const),
        visitor: fc.integer({ min: 1, max: 4 }),
        hours: fc.integer({ min: 0, max: 72 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 3, max: 12 }),
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        fc.boolean(),
        (raw, batchSize, maxItems, failAt, redeliver) => {
          // Each visitor's first record is the click that minted their id.
          const minted = new Set<number>();
          const records = raw.map((r) => {
            if (r.kind === 'conversion') return conversionRecord(conversion(r.visitor, r.hours + 0.5));
            const mints = !r.bot && !minted.has(r.visitor);
            if (mints) minted.add(r.visitor);
            const extra: Partial<ClickEvent> = r.bot
              ? { bot: true }
              : mints
                ? { id: mintedId(r.visitor), newVisitor: true }
                : {};
            return clickRecord(click(r.visitor, r.tp, r.hours, extra), r.partition);
          });
          const store = new Store();
          for (let i = 0; i < records.length; i += batchSize) {
            const batch = records.slice(i, i + batchSize);
            store.deliver(batch, maxItems, failAt);
            if (redeliver) store.deliver(batch, maxItems);
          }
          expect(store.totals()).toEqual(recounted(records));
        },
      ),
      { numRuns: 150 },
    );
  });
});
