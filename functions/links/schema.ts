import '#shared/zod-locale';
import * as z from 'zod/mini';
import {
  httpUrlSchema,
  isoDateTimeSchema,
  nameSchema,
  queryIntegerSchema,
  SLUG_PATTERN,
  textSchema,
} from '#shared/validation';

/** Request shapes of the links API, validated at the edge. Unknown fields are rejected (typos surface). */

const utmValue = textSchema(1, 200);
export const utmSchema = z.strictObject({
  source: z.optional(utmValue),
  medium: z.optional(utmValue),
  campaign: z.optional(utmValue),
  term: z.optional(utmValue),
  content: z.optional(utmValue),
});

const tagsSchema = z.pipe(
  z
    .array(textSchema(1, 40, { tooLong: 'each tag is at most 40 characters' }))
    .check(z.maxLength(20, 'at most 20 tags')),
  z.transform((tags) => [...new Set(tags)]),
);

const slugSchema = z
  .string()
  .check(z.regex(SLUG_PATTERN, "slug must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'"));

const campaignSchema = textSchema(1, 100);
const maxClicksSchema = z.number().check(z.int(), z.gte(1), z.lte(1_000_000_000));
const categorySchema = z.enum(['digital', 'physical', 'human']);
const statusSchema = z.enum(['active', 'archived']);

export const createLinkSchema = z.strictObject({
  url: httpUrlSchema,
  touchpoint: nameSchema('touchpoint'),
  stage: nameSchema('stage'),
  journey: z._default(nameSchema('journey'), 'default'),
  channel: z.optional(nameSchema('channel')),
  category: z.optional(categorySchema),
  campaign: z.optional(campaignSchema),
  tags: z._default(tagsSchema, []),
  slug: z.optional(slugSchema),
  domain: z.optional(z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(253))),
  utm: z._default(utmSchema, {}),
  expiresAt: z.optional(isoDateTimeSchema),
  maxClicks: z.optional(maxClicksSchema),
  fallbackUrl: z.optional(httpUrlSchema),
  trackConversions: z._default(z.boolean(), false),
});
export type CreateLinkInput = z.infer<typeof createLinkSchema>;

/** `null` clears an optional field; omitted fields are left as they are. */
const clearable = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));

export const updateLinkSchema = z
  .strictObject({
    url: z.optional(httpUrlSchema),
    touchpoint: z.optional(nameSchema('touchpoint')),
    stage: z.optional(nameSchema('stage')),
    journey: z.optional(nameSchema('journey')),
    channel: clearable(nameSchema('channel')),
    category: clearable(categorySchema),
    campaign: clearable(campaignSchema),
    tags: z.optional(tagsSchema),
    utm: z.optional(utmSchema),
    expiresAt: clearable(isoDateTimeSchema),
    maxClicks: clearable(maxClicksSchema),
    fallbackUrl: clearable(httpUrlSchema),
    trackConversions: z.optional(z.boolean()),
    status: z.optional(statusSchema),
    slug: z.optional(z.never({ error: 'slug cannot be changed: printed QR codes point at it' })),
    domain: z.optional(z.never({ error: 'domain cannot be changed: printed QR codes point at it' })),
  })
  .check(z.refine((body) => Object.keys(body).length > 0, 'send at least one field to change'));
export type UpdateLinkInput = z.infer<typeof updateLinkSchema>;

export const bulkCreateSchema = z.strictObject({
  links: z
    .array(z.unknown())
    .check(z.minLength(1, 'send at least one link'), z.maxLength(100, 'at most 100 links per request')),
});

export const listLinksQuerySchema = z.strictObject({
  journey: z.optional(nameSchema('journey')),
  stage: z.optional(nameSchema('stage')),
  touchpoint: z.optional(nameSchema('touchpoint')),
  campaign: z.optional(campaignSchema),
  tag: z.optional(textSchema(1, 40)),
  status: z.optional(statusSchema),
  limit: queryIntegerSchema(1, 100, 25),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});
export type ListLinksQuery = z.infer<typeof listLinksQuerySchema>;
