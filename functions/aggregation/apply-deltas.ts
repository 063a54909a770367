import { config } from '#shared/config';
import { breakdownAttribute, OTHER_REFERRER, parseBreakdownAttribute } from '#shared/counter-items';
import { DELTA_SLOTS } from '#shared/keys';
import { log } from '#shared/log';
import { type CounterUpdate, mergeUpdates } from './counters';
import {
  deleteDelta,
  finishJob,
  type PendingDelta,
  readDeltas,
  readJob,
  readJobs,
  type SlotJob,
  startJob,
} from './delta-repository';
import { applyCounterUpdate, existingAttributes, isItemTooLarge } from './repository';

/**
 * Applies pending counter deltas to the counters, exactly once (ADR 0009, 0058). A slot's oldest deltas
 * are merged into the slot's job: one item per slot holding the merged updates, the deltas they came from
 * and a number that grows by one with every merge, written only if the previous job has finished. Then
 * each counter item gets its update as one plain conditional UpdateItem that also writes the job's number
 * on the item (`applied<slot>`), on the condition that the number there is lower; then the job deletes its
 * deltas and is marked finished. An apply of the same job again (a retry, a crash, two runs at once)
 * finds the number and leaves the item alone, and deletes what is left of its deltas. The next job starts
 * only after that, so numbers only grow on every item, and no delta is merged twice: while a job runs, its
 * deltas are in its `took` list (readers skip them, counter-snapshot.ts); once it has finished, they are
 * gone. Nothing here is a transaction: each write costs one unit per KB, not two.
 */

/** Deltas merged into one job at most (its `took` list stays a few KB). */
export const MAX_DELTAS_PER_JOB = 500;
/** `#aN :aN, ` is ~13 bytes: 200 attributes keep one update expression under ~2.6 KB of the 4 KB limit. */
const MAX_ATTRIBUTES_PER_UPDATE = 200;
/** Deltas merged into one job are capped so the job item stays far below DynamoDB's 400 KB. */
const MAX_MERGED_BYTES = 256 * 1024;
/** A slot is applied in rounds until empty; this bounds one invocation's work. */
const MAX_ROUNDS_PER_SLOT = 20;
/** Counter items updated (and deltas deleted) at once (separate requests on one connection pool). */
const CONCURRENT_WRITES = 16;
/**
 * An update too wide for one expression is applied in pieces, in order; piece `i` of job `n` writes the
 * number `n * PIECES_PER_JOB + i`, so each piece is applied once too.
 */
const PIECES_PER_JOB = 1_000;

/** The number piece `piece` of job `seq` writes on its counter item. */
export const pieceNumber = (seq: number, piece: number): number => seq * PIECES_PER_JOB + piece;

export interface ApplyStats {
  /** Counter item updates written (an update already applied by another run is not counted). */
  counterWrites: number;
  /** Deltas applied (and deleted). */
  deltasApplied: number;
  /** Job items started and finished. */
  jobWrites: number;
  /** Clicks whose counters were applied. */
  clicks: number;
}

export const emptyApplyStats = (): ApplyStats => ({
  counterWrites: 0,
  deltasApplied: 0,
  jobWrites: 0,
  clicks: 0,
});

/** Splits an update with more attributes than one update expression takes into pieces, in order. */
export function pieces(update: CounterUpdate): CounterUpdate[] {
  const adds = Object.entries(update.add);
  if (adds.length <= MAX_ATTRIBUTES_PER_UPDATE) return [update];
  const out: CounterUpdate[] = [];
  for (let i = 0; i < adds.length; i += MAX_ATTRIBUTES_PER_UPDATE) {
    out.push({
      key: update.key,
      add: Object.fromEntries(adds.slice(i, i + MAX_ATTRIBUTES_PER_UPDATE)),
      set: i === 0 ? update.set : {},
    });
  }
  if (out.length > PIECES_PER_JOB) throw new Error(`an update of ${adds.length} attributes is too wide`);
  return out;
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
 * Applies one update under its job's number. If DynamoDB refuses the item as too large, its new referrer
 * hosts are folded into `other` and the update is tried once more; any other failure, or a second
 * refusal, is thrown as it is. False when the item had this number already (applied before).
 */
async function applyUpdate(update: CounterUpdate, slot: number, applied: number): Promise<boolean> {
  try {
    return await applyCounterUpdate(update, slot, applied);
  } catch (err) {
    if (!isItemTooLarge(err)) throw err;
    const folded = await foldNewReferrers(update);
    if (!folded) throw err;
    return applyCounterUpdate(folded, slot, applied);
  }
}

/** Thrown to stop applying when the invocation is about to run out of time (the rest waits, safely). */
class OutOfTime extends Error {}

/** Runs `write` on every element, CONCURRENT_WRITES at a time, stopping between rounds at the deadline. */
async function inRounds<T>(list: T[], deadline: number, write: (x: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < list.length; i += CONCURRENT_WRITES) {
    if (Date.now() > deadline) throw new OutOfTime();
    await Promise.all(list.slice(i, i + CONCURRENT_WRITES).map(write));
  }
}

/**
 * Applies every update of a running job (skipping what is applied already), deletes its deltas, then
 * marks it finished.
 */
async function runJob(job: SlotJob, stats: ApplyStats, deadline: number): Promise<void> {
  // A job holds one merged update per counter item (mergeUpdates); only a wide one has several pieces.
  await inRounds(job.updates.map(pieces), deadline, async (itemPieces) => {
    // The pieces of one item in order: each needs the previous one's number on the item.
    for (const [p, update] of itemPieces.entries())
      if (await applyUpdate(update, job.slot, pieceNumber(job.seq, p))) stats.counterWrites++;
  });
  await inRounds(job.took, deadline, (sk) => deleteDelta(job.slot, sk));
  await finishJob(job);
  stats.jobWrites++;
  stats.deltasApplied += job.took.length;
  stats.clicks += job.clicks;
}

/** One round on a slot: finish its running job, then merge and apply its oldest deltas. False when empty. */
async function applyRound(
  slot: number,
  maxDeltas: number,
  stats: ApplyStats,
  deadline: number,
): Promise<boolean> {
  // A running job first: the next may start only once it has finished.
  const current = await readJob(slot);
  if (current?.running) await runJob(current, stats, deadline);
  // One more than a merge takes, to know whether the slot holds more after this round.
  const deltas = await readDeltas(slot, maxDeltas + 1);
  if (deltas.length === 0) return false;

  const taken: PendingDelta[] = [];
  let bytes = 0;
  for (const delta of deltas) {
    if (taken.length >= maxDeltas || (taken.length > 0 && bytes + delta.bytes > MAX_MERGED_BYTES)) break;
    taken.push(delta);
    bytes += delta.bytes;
  }
  const job: SlotJob = {
    slot,
    seq: (current?.seq ?? 0) + 1,
    running: true,
    clicks: taken.reduce((n, d) => n + d.clicks, 0),
    updates: [...mergeUpdates(taken.flatMap((d) => d.updates ?? [])).values()],
    took: taken.map((d) => d.key.sk),
  };
  // Another run started a job meanwhile: the slot is its to apply.
  if (!(await startJob(job, current?.seq))) return false;
  stats.jobWrites++;
  await runJob(job, stats, deadline);
  return taken.length < deltas.length;
}

/**
 * Applies everything pending in the given slots. A run that finds another one's job started on a slot
 * (two scheduled runs overlapping, a test applying by hand) leaves the slot to it; one that fails or runs
 * out of time leaves its job running for the next, which finishes it. Nothing is lost either way: deltas
 * stay until applied.
 */
export async function applyDeltas(
  slots: number[],
  options: { maxDeltasPerJob?: number; deadline?: number } = {},
): Promise<ApplyStats> {
  const maxDeltas = options.maxDeltasPerJob ?? MAX_DELTAS_PER_JOB;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const stats = emptyApplyStats();
  for (const slot of slots) {
    try {
      for (let round = 0; round < MAX_ROUNDS_PER_SLOT; round++) {
        if (Date.now() > deadline) throw new OutOfTime();
        if (!(await applyRound(slot, maxDeltas, stats, deadline))) break;
      }
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

/** What one slot holds pending: its deltas, their clicks, the oldest's age (ms; 0 when none), a running job. */
export interface SlotPending {
  slot: number;
  deltas: number;
  clicks: number;
  oldestAgeMs: number;
  running: boolean;
}

/** What is pending in every slot (at most 1,000 deltas counted per slot). */
export async function pendingBySlot(now = Date.now()): Promise<SlotPending[]> {
  const [jobs, deltaLists] = await Promise.all([
    readJobs(ALL_DELTA_SLOTS),
    Promise.all(ALL_DELTA_SLOTS.map((slot) => readDeltas(slot, 1_000, false))),
  ]);
  return ALL_DELTA_SLOTS.map((slot) => {
    const deltas = deltaLists[slot] ?? [];
    return {
      slot,
      deltas: deltas.length,
      clicks: deltas.reduce((n, d) => n + d.clicks, 0),
      oldestAgeMs: deltas[0] ? now - deltas[0].createdAt : 0,
      running: jobs.some((job) => job.slot === slot && job.running),
    };
  });
}

/**
 * The flush policy (ADR 0040, 0059, 0061): a slot is due once it holds AGGREGATE_FLUSH_CLICKS clicks or its
 * oldest delta is AGGREGATE_FLUSH_SECONDS old.
 */
function isDue(clicks: number, ageMs: number): boolean {
  const c = config();
  return clicks >= c.aggregateFlushClicks || ageMs >= c.aggregateFlushMs;
}

export interface PendingSummary {
  deltas: number;
  jobs: number;
  clicks: number;
  oldestAgeMs: number;
}

/** What is still pending in all slots, and the age of the oldest delta (ms; 0 when none). */
export async function pendingDeltaSummary(now = Date.now()): Promise<PendingSummary> {
  return summarize(await pendingBySlot(now));
}

function summarize(bySlot: SlotPending[]): PendingSummary {
  return {
    deltas: bySlot.reduce((n, p) => n + p.deltas, 0),
    jobs: bySlot.filter((p) => p.running).length,
    clicks: bySlot.reduce((n, p) => n + p.clicks, 0),
    oldestAgeMs: Math.max(0, ...bySlot.map((p) => p.oldestAgeMs)),
  };
}

/**
 * The slots the scheduled run applies: a running job left by a failed run, AGGREGATE_FLUSH_CLICKS
 * clicks, or an oldest delta AGGREGATE_FLUSH_SECONDS old. The scheduled run is the only one that applies
 * (ADR 0061): the stream consumer commits batches and leaves deltas pending. Reports already count what it
 * has not applied (counter-snapshot.ts), so it does not apply a slot merely because it is there.
 */
export function slotsDueBySchedule(bySlot: SlotPending[]): number[] {
  return bySlot.filter((p) => p.running || isDue(p.clicks, p.oldestAgeMs)).map((p) => p.slot);
}

/** How long one scheduled run keeps applying while slots fall due again: under the schedule's minute. */
const APPLY_FOR_MS = 45_000;

/**
 * The scheduled run's work (ADR 0061): apply the slots that are due, and again while a busy stream fills
 * them faster than once a minute (AGGREGATE_FLUSH_CLICKS clicks), so pending deltas, and what each report
 * reads of them, stay small at any traffic. At real traffic one pass finds nothing due and ends. Returns
 * what it applied and what is pending after it (the last reading, or a new one if it applied since).
 */
export async function applyWhileDue(
  options: { deadline?: number } = {},
): Promise<{ stats: ApplyStats; pending: PendingSummary }> {
  const until = Math.min(Date.now() + APPLY_FOR_MS, options.deadline ?? Number.POSITIVE_INFINITY);
  const stats = emptyApplyStats();
  while (Date.now() < until) {
    const bySlot = await pendingBySlot();
    const due = slotsDueBySchedule(bySlot);
    if (due.length === 0) return { stats, pending: summarize(bySlot) };
    const applied = await applyDeltas(due, { deadline: options.deadline });
    for (const k of Object.keys(applied) as Array<keyof ApplyStats>) stats[k] += applied[k];
    // Nothing applied (another run holds the job, or applying fails): the next minute tries again.
    if (applied.jobWrites === 0 && applied.deltasApplied === 0) break;
  }
  return { stats, pending: await pendingDeltaSummary() };
}
