import { describe, expect, it } from 'vitest';
import { pieces } from '#aggregation/apply-deltas';
import { type CounterUpdate, mergeUpdates } from '#aggregation/counters';
import { CHECKPOINT_GROUPS, keys } from '#shared/keys';

const update = (pk: string, add: Record<string, number>): CounterUpdate => ({
  key: { pk, sk: 'D#2026-11-01' },
  add,
  set: { entity: 'link_stats' },
});

/** Sums every attribute of every update per item: what the counters end up holding. */
const totals = (updates: CounterUpdate[]) => {
  const out: Record<string, number> = {};
  for (const u of updates)
    for (const [a, n] of Object.entries(u.add)) out[`${u.key.pk} ${a}`] = (out[`${u.key.pk} ${a}`] ?? 0) + n;
  return out;
};

describe('pieces (how an update too wide for one expression is applied)', () => {
  it('leaves an update of up to 200 attributes whole', () => {
    const narrow = update('STATS#narrow', { clicks: 2, scans: 1 });
    expect(pieces(narrow)).toEqual([narrow]);
  });

  it('cuts a wider one into pieces of 200 attributes, in order, the descriptive attributes on the first', () => {
    const wide = update(
      'STATS#wide',
      Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`b:referrer:h${i}`, 1])),
    );
    const cut = pieces(wide);
    expect(cut.map((u) => Object.keys(u.add).length)).toEqual([200, 200, 50]);
    expect(cut.map((u) => u.set)).toEqual([wide.set, {}, {}]);
    expect(totals(cut)).toEqual(totals([wide]));
  });

  it('is what merging puts back together: merged pieces equal the merged updates', () => {
    const updates = Array.from({ length: 250 }, (_, i) => update(`STATS#l${i % 130}`, { clicks: 1 }));
    const merged = [...mergeUpdates(updates).values()];
    expect(merged).toHaveLength(130);
    expect(totals(merged.flatMap(pieces))).toEqual(totals(updates));
  });
});

describe('checkpoint keys', () => {
  it('keep each raw-click key apart, in one of a few items per hour', () => {
    const hour = '2026-11-01T10';
    const located = Array.from({ length: 32 }, (_, p) => keys.checkpoint(`CLICK#${hour}#${p}`));
    expect(new Set(located.map((l) => `${l.key.pk}|${l.attribute}`)).size).toBe(32);
    expect(new Set(located.map((l) => l.key.pk)).size).toBe(CHECKPOINT_GROUPS);
    expect(keys.checkpoint(`CLICK#${hour}#5`).key.pk).not.toBe(
      keys.checkpoint('CLICK#2026-11-01T11#5').key.pk,
    );
  });
});
