import { config } from '#shared/config';
import { breakdownAttribute, OTHER_REFERRER, parseBreakdownAttribute } from '#shared/counter-items';
import { DELTA_SLOTS, keys } from '#shared/keys';
import { log } from '#shared/log';
import { commit, itemId, type TransactItem } from '#shared/table';
import { type CounterUpdate, mergeUpdates } from './counters';
import {
  type DeltaJob,
  deltaDelete,
  jobAdvance,
  jobWrite,
  type PendingDelta,
  readDeltas,
  readJobs,
} from './delta-repository';
import { counterWrite, existingAttributes, oversizedItems } from './repository';

/**
 * Applies pending counter deltas to the counters, exactly once (ADR 0009). Deltas are merged first, so
 * a counter item touched by a thousand clicks of many batches is written once. A merge that fits one
 * transaction is applied together with the deletion of its deltas; a larger one becomes a job item (in
 * the transaction that deletes the deltas) applied one part per transaction, each part advancing the
 * job's `next` under the condition that it was that part's turn. Any consumer finishes a job it finds.
 */

/** DynamoDB allows 100 actions per TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
/** `#aN :aN, ` is ~13 bytes: 200 attributes keep one update expression under ~2.6 KB of the 4 KB limit. */
const MAX_ATTRIBUTES_PER_UPDATE = 200;
/** Deltas merged into one job are capped so the job item stays far below DynamoDB's 400 KB. */
const MAX_MERGED_BYTES = 256 * 1024;
/** A slot is applied in rounds until empty; this bounds one invocation's work. */
const MAX_ROUNDS_PER_SLOT = 20;

export interface ApplyStats {
  /** Counter item updates written. */
  counterWrites: number;
  /** Deltas applied (and deleted). */
  deltasApplied: number;
  /** Job items written, advanced and deleted. */
  jobWrites: number;
  transactions: number;
  /** Clicks whose counters were applied. */
  clicks: number;
}

export const emptyApplyStats = (): ApplyStats => ({
  counterWrites: 0,
  deltasApplied: 0,
  jobWrites: 0,
  transactions: 0,
  clicks: 0,
});

/** Splits updates with more attributes than one update expression takes (each half is applied alone). */
function narrow(update: CounterUpdate): CounterUpdate[] {
  const adds = Object.entries(update.add);
  if (adds.length <= MAX_ATTRIBUTES_PER_UPDATE) return [update];
  const pieces: CounterUpdate[] = [];
  for (let i = 0; i < adds.length; i += MAX_ATTRIBUTES_PER_UPDATE) {
    pieces.push({
      key: update.key,
      add: Object.fromEntries(adds.slice(i, i + MAX_ATTRIBUTES_PER_UPDATE)),
      set: i === 0 ? update.set : {},
    });
  }
  return pieces;
}

/** Packs updates into transactions of at most `size`, never the same item twice in one. */
export function planParts(updates: Iterable<CounterUpdate>, size: number): CounterUpdate[][] {
  const parts: Array<{ updates: CounterUpdate[]; items: Set<string> }> = [];
  for (const update of [...updates].flatMap(narrow)) {
    const id = itemId(update.key);
    let part = parts.find((p) => p.updates.length < size && !p.items.has(id));
    if (!part) {
      part = { updates: [], items: new Set() };
      parts.push(part);
    }
    part.updates.push(update);
    part.items.add(id);
  }
  return parts.map((p) => p.updates);
}

const OTHER_REFERRER_ATTRIBUTE = breakdownAttribute('referrer', OTHER_REFERRER);

/**
 * The same update for a counter item that has reached DynamoDB's 400 KB: referrer hosts the item does not
 * hold yet are counted under `other`, so the item stops growing. Referrer hosts are the one breakdown
 * without a fixed vocabulary (any client can send any Referer), and without this a link shared from
 * thousands of sites in a day, or a client sending made-up ones, would make its counter item refuse
 * every update, and its delta slot would stop applying. Null when there is nothing to fold.
 */
async function foldNewReferrers(update: CounterUpdate): Promise<CounterUpdate | null> {
  const referrers = Object.keys(update.add).filter(
    (a) => parseBreakdownAttribute(a)?.dimension === 'referrer' && a !== OTHER_REFERRER_ATTRIBUTE,
  );
  const existing = await existingAttributes(update.key, referrers);
  const folded = referrers.filter((a) => !existing.has(a));
  if (folded.length === 0) return null;
  const add = { ...update.add };
  for (const a of folded) {
    add[OTHER_REFERRER_ATTRIBUTE] = (add[OTHER_REFERRER_ATTRIBUTE] ?? 0) + (add[a] ?? 0);
    delete add[a];
  }
  log.warn('counter_item_full', { key: update.key, referrersFoldedIntoOther: folded.length });
  return { ...update, add };
}

/**
 * Commits counter updates with the other items of their transaction. If DynamoDB refuses a counter item
 * as too large, its new referrer hosts are folded into `other` and the transaction is tried once more;
 * any other failure, or a second refusal, is thrown as it is.
 */
async function commitCounters(updates: CounterUpdate[], others: TransactItem[]): Promise<void> {
  try {
    await commit([...updates.map(counterWrite), ...others]);
  } catch (err) {
    const full = oversizedItems(err).filter((i) => i < updates.length);
    if (full.length === 0) throw err;
    const retried = [...updates];
    for (const i of full) {
      const update = updates[i];
      const folded = update && (await foldNewReferrers(update));
      if (!folded) throw err;
      retried[i] = folded;
    }
    await commit([...retried.map(counterWrite), ...others]);
  }
}

/** Thrown to stop applying when the invocation is about to run out of time (the rest waits, safely). */
class OutOfTime extends Error {}

async function runJob(job: DeltaJob, stats: ApplyStats, deadline: number): Promise<void> {
  for (const [part, updates] of job.parts.entries()) {
    if (part < job.next) continue;
    if (Date.now() > deadline) throw new OutOfTime();
    const last = part === job.parts.length - 1;
    await commitCounters(updates, [jobAdvance(job.key, part, last)]);
    stats.transactions++;
    stats.counterWrites += updates.length;
    stats.jobWrites++;
  }
  stats.clicks += job.clicks;
}

/** One round on a slot: finish its jobs, then merge and apply its oldest deltas. False when empty. */
async function applyRound(
  slot: number,
  maxItems: number,
  stats: ApplyStats,
  deadline: number,
): Promise<boolean> {
  // Jobs first: their deltas are gone already, so until they finish their clicks are half counted.
  for (const job of await readJobs(slot)) await runJob(job, stats, deadline);
  // One more than a merge can take, to know whether the slot holds more after this round.
  const deltas = await readDeltas(slot, maxItems);
  // The oldest is always taken: the job (if any) is named after it.
  const [oldest] = deltas;
  if (!oldest) return false;

  // Leave room for the job item (or the counters) next to the deletions.
  const taken: PendingDelta[] = [];
  let bytes = 0;
  for (const delta of deltas) {
    if (taken.length >= maxItems - 1 || (taken.length > 0 && bytes + delta.bytes > MAX_MERGED_BYTES)) break;
    taken.push(delta);
    bytes += delta.bytes;
  }
  const merged = mergeUpdates(taken.flatMap((d) => d.updates ?? []));
  const clicks = taken.reduce((n, d) => n + d.clicks, 0);
  const deletions = taken.map((d) => deltaDelete(d.key));

  const single = planParts(merged.values(), maxItems - deletions.length);
  if (single.length <= 1) {
    const updates = single[0] ?? [];
    await commitCounters(updates, deletions);
    stats.transactions++;
    stats.counterWrites += updates.length;
    stats.clicks += clicks;
  } else {
    const job: DeltaJob = {
      key: keys.deltaJob(slot, oldest.key.sk.slice(2)),
      clicks,
      next: 0,
      parts: planParts(merged.values(), maxItems - 1),
    };
    const items = [jobWrite(job.key, job.parts, clicks), ...deletions];
    await commit(items);
    stats.transactions++;
    stats.jobWrites++;
    await runJob(job, stats, deadline);
  }
  stats.deltasApplied += taken.length;
  return taken.length < deltas.length;
}

/**
 * Applies everything pending in the given slots. A transaction that loses a race with another consumer
 * (its delta already deleted, the job part already applied) is cancelled as a whole; the slot is then
 * left for the next run, which reads it again. Nothing is lost either way: deltas stay until applied.
 */
export async function applyDeltas(
  slots: number[],
  options: { maxTransactionItems?: number; deadline?: number } = {},
): Promise<ApplyStats> {
  const maxItems = options.maxTransactionItems ?? MAX_TRANSACTION_ITEMS;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const stats = emptyApplyStats();
  for (const slot of slots) {
    try {
      for (let round = 0; round < MAX_ROUNDS_PER_SLOT; round++) {
        if (Date.now() > deadline) throw new OutOfTime();
        if (!(await applyRound(slot, maxItems, stats, deadline))) break;
      }
      writtenHere.delete(slot);
    } catch (err) {
      if (err instanceof OutOfTime) break; // the next invocation or the schedule goes on from here
      log.warn('apply_deltas_failed', {
        slot,
        error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
      });
    }
  }
  return stats;
}

export const ALL_DELTA_SLOTS = Array.from({ length: DELTA_SLOTS }, (_, i) => i);

/** What is still pending in all slots, and the age of the oldest delta (ms; 0 when none). */
export async function pendingDeltaSummary(
  now = Date.now(),
): Promise<{ deltas: number; jobs: number; clicks: number; oldestAgeMs: number }> {
  const summary = { deltas: 0, jobs: 0, clicks: 0, oldestAgeMs: 0 };
  for (const slot of ALL_DELTA_SLOTS) {
    const [jobs, deltas] = await Promise.all([readJobs(slot), readDeltas(slot, 1_000, false)]);
    summary.jobs += jobs.length;
    summary.deltas += deltas.length;
    summary.clicks += deltas.reduce((n, d) => n + d.clicks, 0);
    if (deltas[0]) summary.oldestAgeMs = Math.max(summary.oldestAgeMs, now - deltas[0].createdAt);
  }
  return summary;
}

/**
 * Clicks this process has put in each slot since it last applied it, and when the first of them came.
 * An estimate on purpose (other consumers write to the same slots): it only decides *when* to apply,
 * which costs no request per batch; whatever it misses, the next apply of the slot or the scheduled
 * run picks up, and exactness never depends on it.
 */
const writtenHere = new Map<number, { clicks: number; since: number }>();

export function notePending(slot: number, clicks: number, now: number): void {
  const entry = writtenHere.get(slot);
  if (entry) entry.clicks += clicks;
  else writtenHere.set(slot, { clicks, since: now });
}

/**
 * Which slots to apply after a batch: a slot this process has put AGGREGATE_FLUSH_CLICKS clicks in, or
 * its first delta AGGREGATE_FLUSH_SECONDS ago (ADR 0040). Never "all of them because the batch was
 * short": at real traffic (0.1–100 clicks/s) nearly every batch is short, and applying after each one
 * wrote every counter item once per click (~16 write units per click). The scheduled run applies
 * whatever is left every minute, so numbers are current within a minute at any traffic.
 */
export function slotsDue(now: number): number[] {
  const c = config();
  return [...writtenHere]
    .filter(([, p]) => p.clicks >= c.aggregateFlushClicks || now - p.since >= c.aggregateFlushMs)
    .map(([slot]) => slot);
}
