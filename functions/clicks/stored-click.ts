import * as z from 'zod/mini';
import { CLICK_SOURCES, DEVICE_TYPES } from './model';

/**
 * The shape of a stored raw-click item, checked where a click comes back from outside the redirect's own
 * code: a replayed log line (an operator's file) and a stream record (the aggregator). A click of another
 * shape can never be counted right: it is refused and reported, never counted into `STATS#undefined`.
 */
const text = z.string().check(z.minLength(1));
const isoMillis = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/));

export const storedClickSchema = z.object({
  pk: z.string().check(z.startsWith('CLICK#')),
  sk: text,
  entity: z.literal('click'),
  id: text,
  at: isoMillis,
  linkId: text,
  domain: text,
  slug: text,
  journey: text,
  stage: text,
  touchpoint: text,
  source: z.enum(CLICK_SOURCES),
  visitorId: text,
  bot: z.boolean(),
  device: z.enum(DEVICE_TYPES),
  os: z.string(),
  browser: z.string(),
  referrer: z.nullable(z.string()),
  country: z.nullable(z.string()),
  maxClicks: z.nullable(z.number()),
  newVisitor: z.optional(z.literal(true)),
  ttl: z.number(),
});

/** Why `item` is not a stored click (the first problem, with its field), or null when it is one. */
export function storedClickProblem(item: unknown): string | null {
  const result = storedClickSchema.safeParse(item);
  if (result.success) return null;
  const [first] = result.error.issues;
  return first ? `${first.path.join('.') || 'item'}: ${first.message}` : 'not a stored click';
}
