import '#shared/zod-locale';
import * as z from 'zod/mini';
import { decimalsOf, isCurrency, minorUnitDigits } from '#shared/currency';
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
  /** Stored as sent, with at most its currency's minor-unit decimals (2 for EUR, 0 for JPY, 3 for BHD). */
  value: number | null;
  currency: string | null;
  orderId: string | null;
  customerId: string | null;
  /** When it happened (ISO, UTC): `at` as sent, else when it was received. */
  at: string;
  receivedAt: string;
}

/**
 * Money, not arbitrary floats: up to a billion, with at most as many decimals as the currency's minor
 * unit (checked with the currency below; 4 is the most any currency has). Credits add it in millionths,
 * exactly.
 */
const valueSchema = z.number().check(
  z.gte(0),
  z.lte(1_000_000_000),
  z.refine((v) => decimalsOf(v) <= 4, 'must have at most as many decimals as its currency (2 for EUR)'),
);

export const recordConversionSchema = z
  .strictObject({
    clickId: z.string().check(z.trim(), z.minLength(1), z.maxLength(64)),
    event: nameSchema('event'),
    value: z.optional(valueSchema),
    currency: z.optional(
      z
        .string()
        .check(
          z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD or EUR'),
          z.refine(isCurrency, 'is not an ISO 4217 currency code'),
        ),
    ),
    orderId: z.optional(textSchema(1, 128)),
    customerId: z.optional(textSchema(1, 128)),
    at: z.optional(isoDateTimeSchema),
  })
  .check(
    z.refine((c) => (c.value === undefined) === (c.currency === undefined), {
      message: 'send value and currency together',
      path: ['currency'],
    }),
    z.superRefine((c, ctx) => {
      if (c.value === undefined || c.currency === undefined || !isCurrency(c.currency)) return;
      const allowed = minorUnitDigits(c.currency);
      if (decimalsOf(c.value) > allowed) {
        ctx.issues.push({
          code: 'custom',
          message: `${c.currency} amounts have ${allowed === 0 ? 'no decimals' : `at most ${allowed} decimals`}`,
          path: ['value'],
          input: c.value,
        });
      }
    }),
  );
export type RecordConversionInput = z.infer<typeof recordConversionSchema>;
