import { type CounterRange, readCounterRanges } from '#aggregation/counter-snapshot';
import { countOf, dayOf, MEASURE, weekOf } from '#shared/counter-items';
import { keys } from '#shared/keys';
import { DAY_MS } from './period';

/** Counter items of one range, pending clicks included (counter-snapshot.ts). */
async function counterItems(range: CounterRange): Promise<Record<string, unknown>[]> {
  return (await readCounterRanges([range]))[0] ?? [];
}

/** Hourly counter items of one link in [fromHour, toHour): one Query, paged, plus what is pending. */
export function linkHourItems(linkId: string, fromHour: string, toHour: string) {
  return counterItems({
    pk: keys.linkStatsPartition(linkId),
    fromSk: keys.linkStatsHourSk(fromHour),
    toSk: keys.linkStatsHourSk(toHour),
  });
}

/** Daily counter items of one link in [fromDay, toDay), plus what is pending. */
export function linkDayItems(linkId: string, fromDay: string, toDay: string) {
  return counterItems({
    pk: keys.linkStatsPartition(linkId),
    fromSk: keys.linkStatsDaySk(fromDay),
    toSk: keys.linkStatsDaySk(toDay),
  });
}

/**
 * Stage and touchpoint counter items of one journey covering [fromDay, toDay) exactly: weekly items for
 * the full ISO weeks inside the period, daily items for the days before and after them. A 30-day period
 * reads 3–4 weeks and a few days instead of 30 days (up to three Queries, in parallel, in one snapshot
 * with what is pending).
 */
export async function journeyCounterItems(journey: string, fromDay: string, toDay: string) {
  const pk = keys.journeyStatsPartition(journey);
  const { weeks, days } = splitIntoWeeks(fromDay, toDay);
  const ranges: CounterRange[] = days.map(([from, to]) => ({
    pk,
    fromSk: keys.journeyStatsDaySk(from),
    toSk: keys.journeyStatsDaySk(to),
  }));
  if (weeks)
    ranges.push({ pk, fromSk: keys.journeyStatsWeekSk(weeks[0]), toSk: keys.journeyStatsWeekSk(weeks[1]) });
  return (await readCounterRanges(ranges)).flat();
}

const addDays = (day: string, n: number) => dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);

/**
 * [fromDay, toDay) as full ISO weeks [Monday, Monday) plus the day ranges around them. Without a full
 * week inside, the whole period is days.
 */
export function splitIntoWeeks(
  fromDay: string,
  toDay: string,
): { weeks: [string, string] | null; days: Array<[string, string]> } {
  const firstMonday = weekOf(fromDay) === fromDay ? fromDay : addDays(weekOf(fromDay), 7);
  const lastMonday = weekOf(toDay);
  if (firstMonday >= lastMonday) return { weeks: null, days: [[fromDay, toDay]] };
  const days: Array<[string, string]> = [];
  if (fromDay < firstMonday) days.push([fromDay, firstMonday]);
  if (lastMonday < toDay) days.push([lastMonday, toDay]);
  return { weeks: [firstMonday, lastMonday], days };
}

export async function sumLinkTotals(
  linkId: string,
  createdAt: string,
): Promise<{ clicks: number; scans: number }> {
  const items = await linkDayItems(linkId, dayOf(createdAt), '9999');
  let clicks = 0;
  let scans = 0;
  for (const item of items) {
    clicks += countOf(item, MEASURE.clicks);
    scans += countOf(item, MEASURE.scans);
  }
  return { clicks, scans };
}
