import { describe, expect, it } from 'vitest';
import { clickCounterUpdates } from '#aggregation/counters';
import { splitIntoWeeks } from '#analytics/stats-repository';
import { weekOf } from '#shared/counter-items';
import { clickOn, SAMPLE_LINK } from '../../support/clicks';

const DAY = 86_400_000;
/** Every day of [from, to), as the union of the split's week and day ranges must give back. */
function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += DAY)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

describe('weekOf', () => {
  it.each([
    ['2026-11-23', '2026-11-23'], // a Monday
    ['2026-11-29', '2026-11-23'], // the Sunday after
    ['2026-11-24T23:59:59Z', '2026-11-23'],
    ['2027-01-01', '2026-12-28'], // across a year
  ])('puts %s in the week of Monday %s', (day, monday) => {
    expect(weekOf(day)).toBe(monday);
  });
});

describe('splitIntoWeeks', () => {
  it('covers every day of the period exactly once, whatever the weekdays of its ends', () => {
    for (let start = 0; start < 7; start++) {
      for (const length of [1, 6, 7, 8, 13, 14, 30, 31, 90]) {
        const from = new Date(Date.parse('2026-11-02') + start * DAY).toISOString().slice(0, 10);
        const to = new Date(Date.parse(from) + length * DAY).toISOString().slice(0, 10);
        const { weeks, days } = splitIntoWeeks(from, to);
        const covered = [
          ...days.flatMap(([a, b]) => daysOf(a, b)),
          ...(weeks ? daysOf(weeks[0], weeks[1]) : []),
        ];
        expect(covered.sort()).toEqual(daysOf(from, to));
        if (weeks) {
          expect(weekOf(weeks[0])).toBe(weeks[0]);
          expect(weekOf(weeks[1])).toBe(weeks[1]);
        }
      }
    }
  });

  it('reads a 30-day period as full weeks and at most 12 edge days', () => {
    const { weeks, days } = splitIntoWeeks('2026-10-25', '2026-11-24'); // Sunday to Tuesday
    expect(weeks).toEqual(['2026-10-26', '2026-11-23']);
    expect(days).toEqual([
      ['2026-10-25', '2026-10-26'],
      ['2026-11-23', '2026-11-24'],
    ]);
  });
});

describe('weekly journey counters', () => {
  it('gives each touchpoint-day update a twin on its week with the same increments', () => {
    const click = clickOn(
      { ...SAMPLE_LINK, id: 'l1', slug: 's', journey: 'spring' },
      { source: 'scan', country: 'DE' },
    );
    const updates = clickCounterUpdates(click);
    const day = updates.find((u) => u.key.sk === 'D#2026-11-25#T#poster')!;
    const week = updates.find((u) => u.key.sk === 'W#2026-11-23#T#poster')!;
    expect(week.key.pk).toBe(day.key.pk);
    expect(week.add).toEqual(day.add);
    expect(week.set).toMatchObject({ entity: 'touchpoint_stats', touchpoint: 'poster', week: '2026-11-23' });
  });
});
