import type { ClickEvent } from '#clicks/model';
import { clickFromItem } from '#clicks/repository';
import { storedClickProblem } from '#clicks/stored-click';
import type { Conversion } from '#conversions/model';
import { conversionFromItem } from '#conversions/repository';
import { contributions } from '#journeys/contributions';
import {
  applyClick,
  applyConversion,
  earliestTime,
  emptyVisitorState,
  parseVisitorState,
  sameVisitorState,
  type VisitorState,
  visitorClickOf,
  visitorConversionOf,
} from '#journeys/visitor-state';
import { config } from '#shared/config';
import { COUNTER_ENTITIES, isCountAttribute } from '#shared/counter-items';
import { ValidationError } from '#shared/errors';
import { type Key, keys } from '#shared/keys';
import { itemId, scanEntities } from '#shared/table';
import { ALL_DELTA_SLOTS, applyDeltas, pendingDeltaSummary } from './apply-deltas';
import { type CounterUpdate, clickCounterUpdates, contributionDelta, mergeUpdates } from './counters';
import { journeyShapes } from './journey-shapes';
import { firstClickState } from './plan';
import { putCounterItem, putVisitorState } from './repository';

/**
 * Rebuilds every counter from the raw clicks and conversions, with the same pure functions the stream aggregator
 * uses, and compares them with the stored counters: how an operator checks (and with `repair`, fixes)
 * the numbers. Raw clicks expire after the retention period, so only counter buckets whose clicks are
 * all still retained are compared or repaired; older counters are left alone.
 *
 * Visitors' journey states are rebuilt from the same fold and compared too: a batch that was never
 * aggregated (dead-lettered) left them without its clicks, and the next click of such a visitor would
 * otherwise add funnel and attribution deltas computed from the incomplete state, so repaired counters
 * would drift again. Only states whose every fact is still retained are compared or repaired.
 *
 * Repair writes absolute values: pause aggregation while it runs (disable the event source mapping and
 * the ApplyPendingDeltas schedule in AWS; locally, stop `npm start`), or increments committed meanwhile
 * are overwritten. With `stream`, what the stream still holds uncounted is counted first and what
 * arrives meanwhile is left out, so that resuming the mapping counts nothing twice (docs/operations.md).
 * It refuses to run while counter deltas are pending that it cannot apply first.
 */
export interface RecountDifference {
  pk: string;
  sk: string;
  attribute: string;
  stored: number;
  expected: number;
}

export interface RecountReport {
  clicks: number;
  /** Raw-click items that are not clicks (StreamRecordsRejected): neither counted nor compared. */
  rejectedClicks: number;
  counterItems: number;
  differences: RecountDifference[];
  repaired: number;
  /** Visitors whose stored journey state lacks (or has more than) what their retained clicks say. */
  visitorDifferences: string[];
  visitorsRepaired: number;
}

interface StoredVisitorItem {
  state: VisitorState;
  version: number;
  firstClickMissing: boolean;
}

/**
 * The table's stream, as recount needs it while aggregation is paused (bin/stream-drain.ts): what is in
 * the stream and not yet counted is counted first; what arrives while recount runs is left out (the
 * event source mapping counts it once it runs again).
 */
export interface StreamDrain {
  drain(): Promise<void>;
  /** `itemId`s of the raw clicks and conversions written to the stream since drain() finished. */
  arrivedSinceDrain(): Promise<Set<string>>;
  close(): void;
}

export async function recount(
  options: {
    repair?: boolean;
    onProgress?: (scanned: number) => void;
    now?: Date;
    stream?: StreamDrain;
  } = {},
): Promise<RecountReport> {
  // First bucket whose clicks cannot have expired yet (a day of margin for TTL's own delay).
  const retainedFrom = new Date(
    (options.now ?? new Date()).getTime() - (config().clickRetentionDays - 1) * 86_400_000,
  ).toISOString();
  const retained = (item: { hour?: unknown; day?: unknown; week?: unknown } | undefined) => {
    // A week item is compared only when its Monday is retained, so every click it sums still exists.
    const bucket = String(item?.hour ?? item?.day ?? item?.week ?? '');
    return bucket >= retainedFrom.slice(0, bucket.length);
  };
  // Counters are compared once every pending delta is applied (ADR 0009): what the API will show.
  // Repair writes absolute values, so it must not run while any delta is still pending: applied later,
  // it would count its clicks a second time on top of the repaired value.
  await options.stream?.drain();
  await applyDeltas(ALL_DELTA_SLOTS);
  const pending = await pendingDeltaSummary();
  if (options.repair && (pending.deltas > 0 || pending.jobs > 0)) {
    throw new ValidationError(
      `${pending.deltas} counter deltas and ${pending.jobs} jobs are still pending and could not be applied ` +
        '(see the apply_deltas_failed log lines); repair would count their clicks twice. Nothing was changed.',
    );
  }
  const clickItems: Array<Record<string, unknown>> = [];
  const conversionItems: Array<Record<string, unknown>> = [];
  const stored = new Map<string, Record<string, unknown>>();
  const storedVisitors = new Map<string, StoredVisitorItem>();
  let rejectedClicks = 0;
  let scanned = 0;
  await scanEntities((item) => {
    scanned++;
    if (scanned % 500 === 0) options.onProgress?.(scanned);
    if (item.entity === 'click') {
      // What the aggregator leaves out (stream_record_rejected), recount leaves out too.
      if (storedClickProblem(item) === null) clickItems.push(item);
      else rejectedClicks++;
    } else if (item.entity === 'conversion') {
      conversionItems.push(item);
    } else if (item.entity === 'visitor') {
      storedVisitors.set(keys.visitorIdOf(String(item.pk)), {
        state: parseVisitorState(String(item.state)),
        version: Number(item.version),
        firstClickMissing: item.firstClickMissing === true,
      });
    } else if (COUNTER_ENTITIES.has(item.entity as string)) {
      stored.set(itemId(item as unknown as Key), item);
    }
  });
  options.onProgress?.(scanned);
  // Written since the drain: not counted yet, and counted by the event source mapping once it runs again.
  const arrived = (await options.stream?.arrivedSinceDrain()) ?? new Set<string>();
  const settled = (item: Record<string, unknown>) =>
    !arrived.has(itemId({ pk: String(item.pk), sk: String(item.sk) }));
  const clicks: ClickEvent[] = clickItems.filter(settled).map(clickFromItem);
  const conversions: Conversion[] = conversionItems.filter(settled).map(conversionFromItem);

  clicks.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  const shapes = await journeyShapes([...new Set(clicks.map((c) => c.journey))]);
  const shapeOf = (journey: string) => shapes.get(journey) ?? null;
  const updates: CounterUpdate[] = [];
  const states = new Map<string, VisitorState>();
  for (const click of clicks) {
    updates.push(...clickCounterUpdates(click));
    if (click.bot) continue;
    const state = states.get(click.visitorId) ?? emptyVisitorState();
    applyClick(state, visitorClickOf(click));
    states.set(click.visitorId, state);
  }
  for (const conversion of conversions) {
    const state = states.get(conversion.visitorId) ?? emptyVisitorState();
    applyConversion(state, visitorConversionOf(conversion));
    states.set(conversion.visitorId, state);
  }
  for (const state of states.values()) updates.push(...contributionDelta([], contributions(state, shapeOf)));
  const expected = mergeUpdates(updates);

  const differences: RecountDifference[] = [];
  const ids = new Set(
    [...expected.keys(), ...stored.keys()].filter((id) => retained(expected.get(id)?.set ?? stored.get(id))),
  );
  const toRepair: CounterUpdate[] = [];
  for (const id of ids) {
    const want = expected.get(id);
    const have = stored.get(id);
    // Every id comes from `expected` or `stored`, so one of them holds the item's key.
    const key = want?.key ?? { pk: String(have?.pk), sk: String(have?.sk) };
    const attributes = new Set([
      ...Object.keys(want?.add ?? {}),
      ...Object.keys(have ?? {}).filter(isCountAttribute),
    ]);
    let differs = false;
    for (const attribute of attributes) {
      const e = want?.add[attribute] ?? 0;
      const s = Number(have?.[attribute] ?? 0);
      if (e !== s) {
        differs = true;
        differences.push({ pk: key.pk, sk: key.sk, attribute, stored: s, expected: e });
      }
    }
    if (differs) toRepair.push(want ?? { key, add: {}, set: {} });
  }

  const retainedFromMs = Date.parse(retainedFrom);
  // A minted visitor with only their first click has no item: that click alone is their state (ADR 0015).
  const mintingClicks = new Map(clicks.filter((c) => c.id === c.visitorId).map((c) => [c.id, c]));
  const storedState = (id: string) => {
    const first = mintingClicks.get(id);
    return storedVisitors.get(id)?.state ?? (first ? firstClickState(first) : emptyVisitorState());
  };
  const visitorDifferences = [...new Set([...states.keys(), ...storedVisitors.keys()])].filter((id) => {
    const have = storedState(id);
    if (earliestTime(have) < retainedFromMs) return false; // facts older than the raw clicks
    return !sameVisitorState(have, states.get(id) ?? emptyVisitorState());
  });

  let repaired = 0;
  let visitorsRepaired = 0;
  if (options.repair) {
    for (const update of toRepair) {
      await putCounterItem(update, stored.get(itemId(update.key)));
      repaired++;
    }
    for (const id of visitorDifferences) {
      const have = storedVisitors.get(id);
      // Still missing its first click if it was missing and the raw clicks do not hold it (ADR 0015).
      const firstClickMissing = (have?.firstClickMissing ?? false) && !mintingClicks.has(id);
      await putVisitorState(id, states.get(id) ?? emptyVisitorState(), have?.version ?? 0, firstClickMissing);
      visitorsRepaired++;
    }
  }
  return {
    clicks: clicks.length,
    rejectedClicks,
    counterItems: ids.size,
    differences,
    repaired,
    visitorDifferences,
    visitorsRepaired,
  };
}
