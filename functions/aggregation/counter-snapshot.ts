import { appliedAttribute } from '#shared/counter-items';
import { ServiceUnavailableError } from '#shared/errors';
import { keys } from '#shared/keys';
import { log } from '#shared/log';
import { itemId, queryRange } from '#shared/table';
import { ALL_DELTA_SLOTS, pieceNumber, pieces } from './apply-deltas';
import type { CounterUpdate } from './counters';
import { readDeltas, readJobs, type SlotJob } from './delta-repository';

/**
 * Counter items as every report reads them (ADR 0059): what the counter items hold plus what is still
 * pending — deltas not merged yet, and the part of a running job not yet written on its items. So a
 * click is in the numbers as soon as the aggregator has committed its batch (seconds), whenever the
 * counters themselves are applied; how often they are applied is only a matter of write cost.
 *
 * Exact, not approximate: the job items are read before and after the deltas and counter items (all
 * strongly consistent). A delta stops being pending when a job that lists it in `took` starts, and is
 * deleted before that job finishes; a job's updates reach the items only while it runs. So when no job
 * started or finished between the two reads, every click is in exactly one of: a counter item, a running
 * job's update the item does not carry the number of yet, or a delta no running job lists. When one did
 * (an apply is rare and takes milliseconds), the read is simply taken again.
 */

/** Sort keys [fromSk, toSk) of one partition of counter items. */
export interface CounterRange {
  pk: string;
  fromSk: string;
  toSk: string;
}

/** What is pending, as read in one snapshot. */
export interface PendingCounters {
  /** Updates of the deltas no running job has taken: every one is added. */
  deltas: CounterUpdate[];
  /** Running jobs: each update is added except the pieces its item already carries the number of. */
  jobs: SlotJob[];
}

/** Reads taken again when an apply started or finished meanwhile, before answering 503. */
const MAX_ATTEMPTS = 6;
/**
 * Deltas read per slot. The flush policy keeps a slot far below this (AGGREGATE_FLUSH_CLICKS clicks,
 * AGGREGATE_FLUSH_SECONDS of batches); only a stalled apply could pass it, and then the pending-delta age
 * alarm is already firing. Beyond it, reports would leave out the newest pending clicks.
 */
const MAX_DELTAS_PER_SLOT = 5_000;

const bySortKey = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  (a.sk as string) < (b.sk as string) ? -1 : (a.sk as string) > (b.sk as string) ? 1 : 0;

/**
 * The items of `range` with the pending updates added (pure). An item no counter write has created yet
 * appears as the pending update makes it: its key, its descriptive attributes and the increments.
 */
export function withPending(
  items: Record<string, unknown>[],
  range: CounterRange,
  pending: PendingCounters,
): Record<string, unknown>[] {
  const inRange = (u: CounterUpdate) =>
    u.key.pk === range.pk && u.key.sk >= range.fromSk && u.key.sk < range.toSk;
  const stored = new Map(items.map((item) => [item.sk as string, item]));
  const out = new Map(items.map((item) => [item.sk as string, { ...item }]));
  const add = (update: CounterUpdate) => {
    let item = out.get(update.key.sk);
    if (!item) {
      item = { ...update.key, ...update.set };
      out.set(update.key.sk, item);
    }
    for (const [attribute, n] of Object.entries(update.add))
      item[attribute] = Number(item[attribute] ?? 0) + n;
  };
  for (const job of pending.jobs)
    for (const update of job.updates.filter(inRange)) {
      // The number as stored, before anything is added here: the pieces at or below it are on the item.
      const applied = Number(stored.get(update.key.sk)?.[appliedAttribute(job.slot)] ?? -1);
      for (const [p, piece] of pieces(update).entries()) if (applied < pieceNumber(job.seq, p)) add(piece);
    }
  for (const update of pending.deltas.filter(inRange)) add(update);
  return [...out.values()].sort(bySortKey);
}

const jobMark = (jobs: SlotJob[]) => jobs.map((j) => `${j.slot}:${j.seq}:${j.running}`).join(',');

/** The counter items of each range, pending updates included, from one consistent snapshot. */
export async function readCounterRanges(ranges: CounterRange[]): Promise<Record<string, unknown>[][]> {
  for (let attempt = 1; ; attempt++) {
    const before = await readJobs(ALL_DELTA_SLOTS);
    const [deltaLists, itemLists] = await Promise.all([
      Promise.all(ALL_DELTA_SLOTS.map((slot) => readDeltas(slot, MAX_DELTAS_PER_SLOT))),
      Promise.all(ranges.map((r) => queryRange(r.pk, r.fromSk, r.toSk, { consistent: true }))),
    ]);
    const after = await readJobs(ALL_DELTA_SLOTS);
    if (jobMark(before) === jobMark(after)) {
      if (deltaLists.some((list) => list.length >= MAX_DELTAS_PER_SLOT))
        log.warn('pending_deltas_truncated', { maxDeltasPerSlot: MAX_DELTAS_PER_SLOT });
      const running = before.filter((job) => job.running);
      const taken = new Set(
        running.flatMap((job) => job.took.map((sk) => itemId({ pk: keys.deltaPartition(job.slot), sk }))),
      );
      const pending: PendingCounters = {
        deltas: deltaLists
          .flat()
          .filter((d) => !taken.has(itemId(d.key)))
          .flatMap((d) => d.updates ?? []),
        jobs: running,
      };
      return itemLists.map((items, i) => withPending(items, ranges[i] as CounterRange, pending));
    }
    if (attempt >= MAX_ATTEMPTS)
      throw new ServiceUnavailableError('counters are being applied; try again in a second', 1);
    await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20));
  }
}
