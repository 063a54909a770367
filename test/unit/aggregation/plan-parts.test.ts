import { describe, expect, it } from 'vitest';
import { planParts } from '#aggregation/apply-deltas';
import { type CounterUpdate, mergeUpdates } from '#aggregation/counters';
import { CHECKPOINT_GROUPS, keys } from '#shared/keys';
import { itemId } from '#shared/table';

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

describe('planParts (how merged counter deltas are cut into transactions)', () => {
  it('fills parts up to the size, never with the same counter item twice in one part', () => {
    const merged = [
      ...mergeUpdates(
        Array.from({ length: 250 }, (_, i) => update(`STATS#l${i % 130}`, { clicks: 1 })),
      ).values(),
    ];
    const parts = planParts(merged, 99);
    expect(parts.map((p) => p.length)).toEqual([99, 31]);
    for (const part of parts) expect(new Set(part.map((u) => itemId(u.key))).size).toBe(part.length);
    expect(totals(parts.flat())).toEqual(totals(merged));
  });

  it('splits an update with more attributes than one update expression takes, across parts', () => {
    const wide = update(
      'STATS#wide',
      Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`b:referrer:h${i}`, 1])),
    );
    const parts = planParts([wide, update('STATS#narrow', { clicks: 2 })], 99);
    const pieces = parts.flat().filter((u) => u.key.pk === 'STATS#wide');
    expect(pieces.map((u) => Object.keys(u.add).length)).toEqual([200, 200, 50]);
    // The pieces of one item go to different transactions (DynamoDB refuses one item twice in one).
    expect(parts.every((p) => p.filter((u) => u.key.pk === 'STATS#wide').length <= 1)).toBe(true);
    expect(totals(parts.flat())).toEqual(totals([wide, update('STATS#narrow', { clicks: 2 })]));
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
