import * as z from 'zod';
import { ROLES } from '#auth/model';
import { createLinkSchema, updateLinkSchema } from '#links/schema';
import { BREAKDOWN_DIMENSIONS } from '#shared/counter-items';

/**
 * Response bodies of the API, as zod schemas for the OpenAPI document only (build time: neither Lambda
 * bundles this module). The types the services return are TypeScript interfaces; test/unit/api/
 * openapi-responses.test.ts checks each schema's output type equals its interface, so a field added to
 * an interface fails the typecheck until it is documented here. Objects are strict: the e2e traffic test
 * (test/e2e/openapi-traffic.test.ts) then refuses an undocumented field in a real response.
 */

const isoDateTime = z.string().describe('ISO 8601 date-time, UTC');
const rate = z
  .number()
  .nullable()
  .describe('0..1, rounded to 4 decimals; null when there is no one to count');

/** The enums of the request schemas, so each value list is written once. */
const storedStatus = updateLinkSchema.shape.status._zod.def.innerType._zod.def.entries;
const category = createLinkSchema.shape.category._zod.def.innerType._zod.def.entries;

export const linkResponse = z.strictObject({
  id: z.string(),
  domain: z.string(),
  slug: z.string(),
  shortUrl: z.string().describe('the short URL to share'),
  qrContent: z.string().describe('what the QR code encodes: shortUrl?r=qr, so scans are told apart'),
  url: z.string(),
  touchpoint: z.string(),
  stage: z.string(),
  journey: z.string(),
  channel: z.string().nullable(),
  category: z.enum(category).nullable(),
  campaign: z.string().nullable(),
  tags: z.array(z.string()),
  utm: z.strictObject({
    source: z.string().optional(),
    medium: z.string().optional(),
    campaign: z.string().optional(),
    term: z.string().optional(),
    content: z.string().optional(),
  }),
  expiresAt: isoDateTime.nullable(),
  maxClicks: z
    .number()
    .int()
    .min(1)
    .nullable()
    .describe('click limit: the link closes within ~35 s of reaching it (docs/analytics.md)'),
  fallbackUrl: z.string().nullable(),
  trackConversions: z.boolean().describe('adds tp_cid=<click id> to the destination'),
  status: z
    .enum({ ...storedStatus, expired: 'expired', exhausted: 'exhausted' })
    .describe('archived by a person, or expired / exhausted by its own limits'),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});

export const linkPageResponse = z.strictObject({
  items: z.array(linkResponse),
  nextCursor: z.string().nullable().describe('pass as ?cursor= for the next page; null on the last'),
});

export const errorResponse = z.strictObject({
  error: z.strictObject({
    code: z
      .string()
      .describe(
        'stable, machine-readable: validation_error, unauthorized, forbidden, not_found, method_not_allowed, conflict, gone, precondition_failed, payload_too_large, unsupported_media_type, too_many_requests, service_unavailable, internal_error',
      ),
    message: z.string().describe('what went wrong and what to do, for a person'),
    details: z
      .unknown()
      .optional()
      .describe('present when there is more to say: e.g. every invalid field of a validation_error'),
  }),
});

export const bulkCreateResponse = z.strictObject({
  results: z.array(
    z.union([
      z.strictObject({ link: linkResponse }),
      errorResponse.extend({ status: z.number().int().describe('the status this link alone would get') }),
    ]),
  ),
  created: z.number().int(),
  failed: z.number().int(),
});

/** A bulk create where no link was created: the error answer, with every link's result beside it. */
export const bulkCreateFailedResponse = errorResponse.extend(bulkCreateResponse.shape);

const count = z.number().int().min(0);

const freshness = z
  .number()
  .int()
  .describe('every click (and conversion) older than this many seconds is in these numbers');

export const linkStatsResponse = z.strictObject({
  linkId: z.string(),
  from: isoDateTime,
  to: isoDateTime,
  freshnessSeconds: freshness,
  interval: z.enum(['hour', 'day']),
  totals: z.strictObject({ clicks: count, scans: count, uniqueVisitors: count, botClicks: count }),
  series: z.array(z.strictObject({ t: z.string(), clicks: count, scans: count })),
  breakdowns: z
    .record(
      z.enum(BREAKDOWN_DIMENSIONS),
      z.array(
        z.strictObject({
          value: z.string(),
          clicks: count.describe('human requests with this value: clicks and scans together'),
        }),
      ),
    )
    .describe('human requests (clicks + scans) per value of each dimension; bots are left out'),
});

export const touchpointTableResponse = z.strictObject({
  journey: z.string(),
  from: isoDateTime,
  to: isoDateTime,
  freshnessSeconds: freshness,
  touchpoints: z.array(
    z.strictObject({
      touchpoint: z.string(),
      stage: z.string(),
      links: count,
      clicks: count,
      scans: count,
      uniqueVisitors: count,
      share: z.number().describe("the touchpoint's share of the journey's clicks and scans, 0..1"),
    }),
  ),
});

export const funnelResponse = z.strictObject({
  journey: z.string(),
  from: isoDateTime,
  to: isoDateTime,
  freshnessSeconds: freshness,
  window: z.number().int().describe('conversion window in days'),
  stages: z.array(
    z.strictObject({
      stage: z.string().describe('the stage, or for a goal step the conversion event'),
      goal: z.boolean().describe('a goal step: visitors who converted after entering the journey'),
      visitors: count,
      progressed: count,
      conversionRate: rate,
      dropOff: rate,
      medianHoursToNext: z.number().nullable(),
    }),
  ),
  touchpoints: z.array(
    z.strictObject({
      touchpoint: z.string(),
      stage: z.string(),
      visitors: count,
      progressed: count,
      progressionRate: rate,
    }),
  ),
  bottlenecks: z.array(
    z.strictObject({
      kind: z.enum(['stage', 'touchpoint', 'low_reach']),
      stage: z.string(),
      touchpoint: z.string().optional(),
      rate: z.number(),
      baselineRate: z.number(),
      lostVisitors: z.number(),
      pValue: z.number().optional(),
      message: z.string(),
    }),
  ),
});

const revenue = z
  .record(z.string().regex(/^[A-Z]{3}$/), z.number())
  .describe('credited revenue per ISO 4217 currency, rounded to cents');

export const attributionResponse = z.strictObject({
  journey: z.string(),
  event: z.string(),
  model: z.enum(['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay']),
  lookbackDays: z.number().int(),
  from: isoDateTime,
  to: isoDateTime,
  freshnessSeconds: freshness,
  conversions: z
    .number()
    .describe('conversions in the period with a touch of the journey within the lookback'),
  revenue,
  touchpoints: z.array(
    z.strictObject({
      touchpoint: z.string(),
      stage: z.string(),
      conversions: z.number().describe('credited conversions (fractions, 4 decimals)'),
      revenue,
    }),
  ),
});

export const journeyResponse = z.strictObject({
  name: z.string(),
  stages: z.array(z.string()),
  goals: z
    .array(z.string())
    .describe('conversion events that complete the journey; the funnel ends in one step per goal'),
  builtIn: z.boolean(),
  description: z.string().nullable(),
  updatedAt: isoDateTime.nullable(),
});

export const journeyListResponse = z.strictObject({ items: z.array(journeyResponse) });

export const apiKeyResponse = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: isoDateTime,
  lastFour: z.string(),
});

export const createdApiKeyResponse = apiKeyResponse.extend({
  key: z.string().describe('the secret: shown in this response only, never again'),
});

export const apiKeyListResponse = z.strictObject({ items: z.array(apiKeyResponse) });

export const healthResponse = z.strictObject({ status: z.literal('ok') });

export const conversionResponse = z.strictObject({
  id: z.string(),
  event: z.string(),
  clickId: z.string().describe('the tp_cid it was reported with'),
  visitorId: z.string(),
  linkId: z.string(),
  journey: z.string(),
  touchpoint: z.string(),
  stage: z.string(),
  value: z.number().nullable(),
  currency: z.string().nullable(),
  orderId: z.string().nullable(),
  customerId: z.string().nullable(),
  at: isoDateTime,
  receivedAt: isoDateTime,
});
