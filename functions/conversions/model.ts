import '#shared/zod-locale';
import * as z from 'zod/mini';
import { isoDateTimeSchema, nameSchema, textSchema } from '#shared/validation';

/**
 * A conversion the customer's site reports (docs/design.md §3): an event (`purchase`, `signup`, …) for
 * the click whose id it got as `tp_cid`, optionally with a value in a currency, an order id (the same
 * event + order id counts once) and the shop's own customer id. Its visitor, journey, touchpoint and
 * stage are the click's.
 */
export interface Conversion {
  id: string;
  event: string;
  /** The `tp_cid` token the site reported. */
  clickId: string;
  visitorId: string;
  linkId: string;
  journey: string;
  touchpoint: string;
  stage: string;
  /** Minor-unit precision is the caller's: stored as sent (at most 2 decimals). */
  value: number | null;
  currency: string | null;
  orderId: string | null;
  customerId: string | null;
  /** When it happened (ISO, UTC): `at` as sent, else when it was received. */
  at: string;
  receivedAt: string;
}

/** At most two decimals, up to a billion: money, not arbitrary floats (credits add it in millionths, exactly). */
const valueSchema = z.number().check(
  z.gte(0),
  z.lte(1_000_000_000),
  z.refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6, 'must have at most 2 decimals'),
);

export const recordConversionSchema = z
  .strictObject({
    clickId: z.string().check(z.trim(), z.minLength(1), z.maxLength(64)),
    event: nameSchema('event'),
    value: z.optional(valueSchema),
    currency: z.optional(z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD or EUR'))),
    orderId: z.optional(textSchema(1, 128)),
    customerId: z.optional(textSchema(1, 128)),
    at: z.optional(isoDateTimeSchema),
  })
  .check(
    z.refine((c) => (c.value === undefined) === (c.currency === undefined), {
      message: 'send value and currency together',
      path: ['currency'],
    }),
  );
export type RecordConversionInput = z.infer<typeof recordConversionSchema>;
