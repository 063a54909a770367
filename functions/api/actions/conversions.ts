import type { ApiAction } from '#api/context';
import { recordConversionSchema } from '#conversions/model';
import { recordConversion } from '#conversions/service';
import { snippetResponse } from '#conversions/snippet';
import { json, parseWith } from '#shared/http';
import { recordMetric } from '#shared/metrics';

/** 201 for a new conversion; 200 with the first one when the same event + orderId comes again. */
export const recordConversionAction: ApiAction = {
  permission: 'track_conversions',
  run: async (ctx) => {
    const { conversion, created } = await recordConversion(
      parseWith(recordConversionSchema, ctx.body(), 'conversion'),
    );
    if (created) recordMetric.conversionIngested();
    return json(created ? 201 : 200, conversion);
  },
};

/** The capture snippet for the customer's site (public, cacheable). */
export const snippetAction: ApiAction = {
  permission: null,
  run: async () => snippetResponse(),
};
