import { describe, expect, it } from 'vitest';
import { pieceNumber } from '#aggregation/apply-deltas';
import { type CounterRange, withPending } from '#aggregation/counter-snapshot';
import type { CounterUpdate } from '#aggregation/counters';
import type { SlotJob } from '#aggregation/delta-repository';
import { appliedAttribute } from '#shared/counter-items';

const PK = 'STATS#link1';
const range: CounterRange = { pk: PK, fromSk: 'H#2026-11-01T00', toSk: 'H#2026-11-02T00' };
const update = (sk: string, add: Record<string, number>, pk = PK): CounterUpdate => ({
  key: { pk, sk },
  add,
  set: { entity: 'link_stats', linkId: 'link1' },
});
const job = (slot: number, seq: number, updates: CounterUpdate[]): SlotJob => ({
  slot,
  seq,
  running: true,
  clicks: 0,
  updates,
  took: [],
});

describe('withPending (what a report reads: counter items plus what is pending)', () => {
  it('adds pending deltas to the stored items and creates the items no write has created yet', () => {
    const stored = [{ pk: PK, sk: 'H#2026-11-01T08', clicks: 4, scans: 1 }];
    const out = withPending(stored, range, {
      deltas: [update('H#2026-11-01T08', { clicks: 2 }), update('H#2026-11-01T09', { scans: 3 })],
      jobs: [],
    });
    expect(out).toEqual([
      { pk: PK, sk: 'H#2026-11-01T08', clicks: 6, scans: 1 },
      { pk: PK, sk: 'H#2026-11-01T09', entity: 'link_stats', linkId: 'link1', scans: 3 },
    ]);
    // The stored items are not changed in place.
    expect(stored[0]?.clicks).toBe(4);
  });

  it('leaves out updates of other partitions and outside [fromSk, toSk)', () => {
    const out = withPending([], range, {
      deltas: [
        update('H#2026-11-01T08', { clicks: 1 }, 'STATS#link2'),
        update('H#2026-10-31T23', { clicks: 1 }),
        update('H#2026-11-02T00', { clicks: 1 }),
        update('H#2026-11-01T00', { clicks: 1 }),
      ],
      jobs: [],
    });
    expect(out.map((i) => [i.sk, i.clicks])).toEqual([['H#2026-11-01T00', 1]]);
  });

  it("adds a running job's update only to the items that do not carry its number yet", () => {
    const slot = 2;
    const stored = [
      // Applied by job 7 already: carries its number.
      { pk: PK, sk: 'H#2026-11-01T08', clicks: 5, [appliedAttribute(slot)]: pieceNumber(7, 0) },
      // Applied by job 6 only: job 7's update is still to come.
      { pk: PK, sk: 'H#2026-11-01T09', clicks: 1, [appliedAttribute(slot)]: pieceNumber(6, 0) },
    ];
    const out = withPending(stored, range, {
      deltas: [update('H#2026-11-01T08', { clicks: 1 })],
      jobs: [
        job(slot, 7, [
          update('H#2026-11-01T08', { clicks: 2 }),
          update('H#2026-11-01T09', { clicks: 3 }),
          update('H#2026-11-01T10', { clicks: 4 }),
        ]),
      ],
    });
    expect(out.map((i) => [i.sk, i.clicks])).toEqual([
      ['H#2026-11-01T08', 6], // 5 stored (job included) + 1 pending delta
      ['H#2026-11-01T09', 4], // 1 stored + 3 from the running job
      ['H#2026-11-01T10', 4], // not created yet: all from the running job
    ]);
  });

  it("adds the pieces of a wide update the item does not carry yet, and judges each slot's job by its own number", () => {
    const wide = update(
      'H#2026-11-01T08',
      Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`b:referrer:h${i}`, 1])),
    );
    // Pieces 0 and 1 of job 3 in slot 0 are on the item (200 + 200 attributes); piece 2 (50) is not.
    // Slot 1's job 9 has not reached the item at all, although its number is higher than slot 0's.
    const stored = [{ pk: PK, sk: 'H#2026-11-01T08', [appliedAttribute(0)]: pieceNumber(3, 1) }];
    for (let i = 0; i < 400; i++) (stored[0] as Record<string, unknown>)[`b:referrer:h${i}`] = 1;
    const out = withPending(stored, range, {
      deltas: [],
      jobs: [job(0, 3, [wide]), job(1, 9, [update('H#2026-11-01T08', { clicks: 1 })])],
    });
    const item = out[0] ?? {};
    expect(Object.keys(item).filter((a) => a.startsWith('b:referrer:')).length).toBe(450);
    expect(Object.entries(item).every(([a, n]) => !a.startsWith('b:referrer:') || n === 1)).toBe(true);
    expect(item.clicks).toBe(1);
  });
});
