import * as z from 'zod';
import { httpUrlSchema, isoDateTimeSchema, nameSchema, SLUG_PATTERN } from '../shared/validation';

/** Request shapes of the links API, validated at the edge. Unknown fields are rejected (typos surface). */

const utmValue = z.string().trim().min(1).max(200);
export const utmSchema = z.strictObject({
  source: utmValue.optional(),
  medium: utmValue.optional(),
  campaign: utmValue.optional(),
  term: utmValue.optional(),
  content: utmValue.optional(),
});

const tagsSchema = z
  .array(z.string().trim().min(1).max(40, 'each tag is at most 40 characters'))
  .max(20, 'at most 20 tags')
  .transform((tags) => [...new Set(tags)]);

const slugSchema = z
  .string()
  .regex(SLUG_PATTERN, "slug must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'");

export const createLinkSchema = z.strictObject({
  url: httpUrlSchema,
  touchpoint: nameSchema('touchpoint'),
  stage: nameSchema('stage'),
  journey: nameSchema('journey').default('default'),
  channel: nameSchema('channel').optional(),
  category: z.enum(['digital', 'physical', 'human']).optional(),
  campaign: z.string().trim().min(1).max(100).optional(),
  tags: tagsSchema.default([]),
  slug: slugSchema.optional(),
  domain: z.string().trim().toLowerCase().min(1).max(253).optional(),
  utm: utmSchema.default({}),
  expiresAt: isoDateTimeSchema.optional(),
  maxClicks: z.number().int().min(1).max(1_000_000_000).optional(),
  fallbackUrl: httpUrlSchema.optional(),
});
export type CreateLinkInput = z.infer<typeof createLinkSchema>;

export const updateLinkSchema = z
  .strictObject({
    url: httpUrlSchema.optional(),
    touchpoint: nameSchema('touchpoint').optional(),
    stage: nameSchema('stage').optional(),
    journey: nameSchema('journey').optional(),
    channel: nameSchema('channel').nullable().optional(),
    category: z.enum(['digital', 'physical', 'human']).nullable().optional(),
    campaign: z.string().trim().min(1).max(100).nullable().optional(),
    tags: tagsSchema.optional(),
    utm: utmSchema.optional(),
    expiresAt: isoDateTimeSchema.nullable().optional(),
    maxClicks: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
    fallbackUrl: httpUrlSchema.nullable().optional(),
    status: z.enum(['active', 'archived']).optional(),
    slug: z.never({ error: 'slug cannot be changed: printed QR codes point at it' }).optional(),
    domain: z.never({ error: 'domain cannot be changed: printed QR codes point at it' }).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');
export type UpdateLinkInput = z.infer<typeof updateLinkSchema>;

export const bulkCreateSchema = z.strictObject({
  links: z.array(z.unknown()).min(1, 'send at least one link').max(100, 'at most 100 links per request'),
});

export const listLinksQuerySchema = z.strictObject({
  journey: nameSchema('journey').optional(),
  stage: nameSchema('stage').optional(),
  touchpoint: nameSchema('touchpoint').optional(),
  campaign: z.string().trim().min(1).max(100).optional(),
  tag: z.string().trim().min(1).max(40).optional(),
  status: z.enum(['active', 'archived']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2048).optional(),
});
export type ListLinksQuery = z.infer<typeof listLinksQuerySchema>;
