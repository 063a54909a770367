import { keys } from '../shared/keys';
import { queryRange } from './repository';

/** Hourly counter items of one link in [fromHour, toHour): one Query, paged. */
export function linkHourItems(linkId: string, fromHour: string, toHour: string) {
  return queryRange(
    keys.linkStatsPartition(linkId),
    keys.linkStatsHourSk(fromHour),
    keys.linkStatsHourSk(toHour),
  );
}

/** Daily counter items of one link in [fromDay, toDay). */
export function linkDayItems(linkId: string, fromDay: string, toDay: string) {
  return queryRange(
    keys.linkStatsPartition(linkId),
    keys.linkStatsDaySk(fromDay),
    keys.linkStatsDaySk(toDay),
  );
}

/** Daily stage and touchpoint counter items of one journey in [fromDay, toDay). */
export function journeyDayItems(journey: string, fromDay: string, toDay: string) {
  return queryRange(
    keys.journeyStatsPartition(journey),
    keys.journeyStatsDaySk(fromDay),
    keys.journeyStatsDaySk(toDay),
  );
}

export async function sumLinkTotals(
  linkId: string,
  createdAt: string,
): Promise<{ clicks: number; scans: number }> {
  const items = await linkDayItems(linkId, createdAt.slice(0, 10), '9999');
  let clicks = 0;
  let scans = 0;
  for (const item of items) {
    clicks += Number(item.clicks ?? 0);
    scans += Number(item.scans ?? 0);
  }
  return { clicks, scans };
}
