import { nanoid } from 'nanoid';
import { NotFoundError, ValidationError } from '#shared/errors';
import type { Conversion, RecordConversionInput } from './model';
import { getClickByToken, putConversionOnce } from './repository';

/** How far in the future a reported `at` may be (clock skew between the shop and us). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Records a conversion for the click its `tp_cid` names: 201 the first time, 200 with the first one for
 * a repeated event + order id (counted once). An id that names no stored click is a 404.
 */
export async function recordConversion(
  input: RecordConversionInput,
  now = new Date(),
): Promise<{ conversion: Conversion; created: boolean }> {
  const click = await getClickByToken(input.clickId);
  if (!click) {
    throw new NotFoundError(
      `There is no click '${input.clickId}': pass the tp_cid value from the landing URL as it was (clicks older than the retention are gone).`,
    );
  }
  const at = input.at ? new Date(input.at) : now;
  if (at.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) throw new ValidationError("'at' is in the future.");
  if (at.getTime() < Date.parse(click.at)) {
    throw new ValidationError("'at' is before the click it converts: a conversion follows its click.");
  }
  const conversion: Conversion = {
    id: nanoid(16),
    event: input.event,
    clickId: input.clickId,
    visitorId: click.visitorId,
    linkId: click.linkId,
    journey: click.journey,
    touchpoint: click.touchpoint,
    stage: click.stage,
    value: input.value ?? null,
    currency: input.currency ?? null,
    orderId: input.orderId ?? null,
    customerId: input.customerId ?? null,
    at: at.toISOString(),
    receivedAt: now.toISOString(),
  };
  const { stored, created } = await putConversionOnce(conversion);
  return { conversion: stored, created };
}
