import type { ApiAction } from '#api/context';
import { journeyNameSchema, putJourneySchema } from '#journeys/model';
import { getJourney, listJourneys, putJourney } from '#journeys/service';
import { json, parseWith } from '#shared/http';

export const listJourneysAction: ApiAction = {
  permission: 'read',
  run: async () => json(200, { items: await listJourneys() }),
};

export const getJourneyAction: ApiAction<'/api/journeys/{journey}'> = {
  permission: 'read',
  run: async (ctx) =>
    json(200, await getJourney(parseWith(journeyNameSchema, ctx.params.journey, 'journey name'))),
};

export const putJourneyAction: ApiAction<'/api/journeys/{journey}'> = {
  permission: 'admin',
  run: async (ctx) => {
    const name = parseWith(journeyNameSchema, ctx.params.journey, 'journey name');
    const { journey, created } = await putJourney(name, parseWith(putJourneySchema, ctx.body(), 'journey'));
    return json(created ? 201 : 200, journey, created ? { location: `/api/journeys/${journey.name}` } : {});
  },
};
