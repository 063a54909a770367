import '#shared/zod-locale';
import * as z from 'zod/mini';
import { ValidationError } from '#shared/errors';

/**
 * Query periods, [from, to), UTC. Link stats resolve to hours, touchpoints and funnels to days: `from`
 * is floored and `to` rounded up to the bucket, and responses echo the effective period.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const DEFAULT_PERIOD_DAYS = 30;
export const MAX_PERIOD_DAYS = 400;

/** A date, or a date-time with an optional offset (the OpenAPI document shows this pattern too). */
export const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * True when the date and time exist on the calendar and the clock. `Date.parse` rolls 2026-02-30 over
 * to March 2 and 24:00 to the next day; a report for a period nobody asked for is worse than a 400.
 */
function onTheCalendar(value: string): boolean {
  const [, y, m, d, time = ''] = /^(\d{4})-(\d{2})-(\d{2})[T ]?(.*)$/.exec(value) ?? [];
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(m) - 1 ||
    date.getUTCDate() !== Number(d)
  ) {
    return false;
  }
  const [hours = 0, minutes = 0, seconds = 0] = (/^[\d:.]+/.exec(time)?.[0] ?? '').split(':').map(Number);
  return hours < 24 && minutes < 60 && seconds < 60;
}

const instant = z.string().check(
  z.trim(),
  z.refine((v) => INSTANT_PATTERN.test(v) && !Number.isNaN(Date.parse(v)) && onTheCalendar(v), {
    message: 'must be a date (2026-11-01) or an ISO date-time (2026-11-01T09:00:00Z)',
  }),
);

export const periodQuerySchema = z.object({ from: z.optional(instant), to: z.optional(instant) });

export interface Period {
  from: Date;
  to: Date;
}

function toDate(value: string): Date {
  // A bare date is midnight UTC; a date-time without offset is read as UTC too.
  return new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) || value.length === 10 ? value : `${value}Z`);
}

export function resolvePeriod(
  query: { from?: string; to?: string },
  bucketMs: number,
  now = new Date(),
): Period {
  const to = query.to ? toDate(query.to) : now;
  const alignedTo = new Date(Math.ceil(to.getTime() / bucketMs) * bucketMs);
  // Without `from`: the last 30 days' worth of whole buckets up to `to`, the current one included (30
  // days, today's too, not 31 calendar days).
  const from = query.from ? toDate(query.from) : new Date(alignedTo.getTime() - DEFAULT_PERIOD_DAYS * DAY);
  const alignedFrom = new Date(Math.floor(from.getTime() / bucketMs) * bucketMs);
  if (alignedTo <= alignedFrom) throw new ValidationError("'from' must be before 'to'.");
  if (alignedTo.getTime() - alignedFrom.getTime() > MAX_PERIOD_DAYS * DAY) {
    throw new ValidationError(`A period can span at most ${MAX_PERIOD_DAYS} days.`);
  }
  return { from: alignedFrom, to: alignedTo };
}

export const HOUR_MS = HOUR;
export const DAY_MS = DAY;

/** Bucket labels `YYYY-MM-DDTHH` (hours) or `YYYY-MM-DD` (days) covering [from, to). */
export function buckets(period: Period, bucketMs: number): string[] {
  const out: string[] = [];
  const length = bucketMs === HOUR ? 13 : 10;
  for (let t = period.from.getTime(); t < period.to.getTime(); t += bucketMs) {
    out.push(new Date(t).toISOString().slice(0, length));
  }
  return out;
}
