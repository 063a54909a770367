import { nanoid } from 'nanoid';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from '#shared/errors';
import { keys } from '#shared/keys';
import type { Conversion, RecordConversionInput } from './model';
import { getClickByToken, putConversionOnce } from './repository';

/** How far in the future a reported `at` may be (clock skew between the shop and us). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** A token this young may name a click the redirect has answered but not stored yet (ADR 0027). */
const JUST_CLICKED_MS = 60_000;
/**
 * Pauses between looks for such a click: together just longer than the click write's deadline (800 ms),
 * and short, because during a DynamoDB outage every such conversion holds an API instance this long.
 */
const WAITS_FOR_CLICK_MS = [300, 700];
/** What a 503 for a click still being stored tells the shop (Retry-After, seconds). */
const RETRY_FOR_CLICK_SECONDS = 5;

/**
 * The click a token names. The redirect answers before it stores the click, so a shop that reports a
 * conversion at once (a sign-up on the landing page) can be faster than that write: for a token made in
 * the last minute, it is looked for again for ~1 s, and then answered with a 503 and Retry-After (the
 * write may have gone to the replay log), not with a 404 that says the id is wrong.
 */
async function clickOfToken(token: string, now: Date) {
  const click = await getClickByToken(token);
  if (click) return click;
  const madeAt = keys.clickByToken(token)?.at;
  const age = madeAt ? now.getTime() - Date.parse(madeAt) : Number.POSITIVE_INFINITY;
  if (age < -MAX_CLOCK_SKEW_MS || age > JUST_CLICKED_MS) {
    throw new NotFoundError(
      `There is no click '${token}': pass the tp_cid value from the landing URL as it was (clicks older than the retention are gone; a click whose write failed exists again once it is replayed).`,
    );
  }
  for (const ms of WAITS_FOR_CLICK_MS) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const stored = await getClickByToken(token);
    if (stored) return stored;
  }
  throw new ServiceUnavailableError(
    `The click '${token}' was made moments ago and is not stored yet; send the conversion again in a few seconds.`,
    RETRY_FOR_CLICK_SECONDS,
  );
}

/**
 * Records a conversion for the click its `tp_cid` names: 201 the first time, 200 with the first one for
 * a repeated event + order id (counted once; 409 if it comes with another value, currency or click). An
 * id that names no stored click is a 404; one made in the
 * last minute whose click is not stored yet, a 503 with Retry-After.
 */
export async function recordConversion(
  input: RecordConversionInput,
  now = new Date(),
): Promise<{ conversion: Conversion; created: boolean }> {
  const click = await clickOfToken(input.clickId, now);
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
  // A retry sends the same order again: 200 with the first. The same order with another amount or click
  // is not a retry; saying nothing would let the shop believe the second version counted.
  if (
    !created &&
    (stored.value !== conversion.value ||
      stored.currency !== conversion.currency ||
      stored.clickId !== conversion.clickId)
  ) {
    throw new ConflictError(
      `Order '${conversion.orderId}' of '${conversion.event}' was reported before with ${stored.value === null ? 'no value' : `${stored.value} ${stored.currency}`} for click '${stored.clickId}'; an order counts once, as first reported.`,
      { conversion: stored },
    );
  }
  return { conversion: stored, created };
}
