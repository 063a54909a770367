import { keys } from '#shared/keys';
import { queryRange } from '#shared/table';
import type { AttributionModel } from './models';

/** Attribution credit items of a journey for one event and model, days [fromDay, toDay): one paged Query. */
export function attributionItems(
  journey: string,
  event: string,
  model: AttributionModel,
  fromDay: string,
  toDay: string,
): Promise<Record<string, unknown>[]> {
  return queryRange(
    keys.attributionPartition(journey),
    keys.attributionDaySk(event, model, fromDay),
    keys.attributionDaySk(event, model, toDay),
  );
}
