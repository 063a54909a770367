import { readCounterRanges } from '#aggregation/counter-snapshot';
import { keys } from '#shared/keys';
import type { AttributionModel } from './models';

/**
 * Attribution credit items of a journey for one event and model, days [fromDay, toDay): one paged Query,
 * plus the credit still pending (counter-snapshot.ts).
 */
export async function attributionItems(
  journey: string,
  event: string,
  model: AttributionModel,
  fromDay: string,
  toDay: string,
): Promise<Record<string, unknown>[]> {
  const [items] = await readCounterRanges([
    {
      pk: keys.attributionPartition(journey),
      fromSk: keys.attributionDaySk(event, model, fromDay),
      toSk: keys.attributionDaySk(event, model, toDay),
    },
  ]);
  return items ?? [];
}
