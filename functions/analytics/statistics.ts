/**
 * Pure statistics for the funnel: the normal distribution, the one-sided two-proportion z-test behind
 * `touchpoint` bottlenecks, medians (of plain arrays and of delay histograms) and the conversion-window
 * filter. No I/O, no dependencies; every function is deterministic.
 *
 * Delay histograms map a delay in whole hours, rounded UP (`h = ceil(delayMs / 3_600_000)`, 0 for a
 * delay of 0), to the number of visitors who progressed after that delay. Visitors who never progressed
 * are not in a histogram. See docs/design.md §3 and docs/analytics.md.
 */

/** Delay in whole hours (rounded up) → number of visitors. JSON and DynamoDB give string keys; both work. */
export type DelayHistogram = Readonly<Record<number, number>>;

const HOURS_PER_DAY = 24;

/**
 * Standard normal cumulative distribution function Φ(z) = P(Z ≤ z).
 *
 * Hart's double-precision rational approximation (algorithm 5666, 1968, as published by Graeme West,
 * "Better approximations to cumulative normal functions", 2005), with a continued fraction in the far
 * tail. Absolute error below 1e-14 everywhere and small *relative* error in the tails, so one-sided
 * p-values such as Φ(−6) ≈ 9.87e-10 keep their significant digits (unlike Abramowitz–Stegun 7.1.26,
 * whose ~1e-7 absolute error swamps them).
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const x = Math.abs(z);
  let tail: number; // Φ(−|z|)
  if (x > 37) {
    tail = 0;
  } else {
    const e = Math.exp((-x * x) / 2);
    if (x < 7.07106781186547) {
      let num = 3.52624965998911e-2 * x + 0.700383064443688;
      num = num * x + 6.37396220353165;
      num = num * x + 33.912866078383;
      num = num * x + 112.079291497871;
      num = num * x + 221.213596169931;
      num = num * x + 220.206867912376;
      let den = 8.83883476483184e-2 * x + 1.75566716318264;
      den = den * x + 16.064177579207;
      den = den * x + 86.7807322029461;
      den = den * x + 296.564248779674;
      den = den * x + 637.333633378831;
      den = den * x + 793.826512519948;
      den = den * x + 440.413735824752;
      tail = (e * num) / den;
    } else {
      let cf = x + 0.65;
      cf = x + 4 / cf;
      cf = x + 3 / cf;
      cf = x + 2 / cf;
      cf = x + 1 / cf;
      tail = e / cf / 2.506628274631; // √(2π)
    }
  }
  return z > 0 ? 1 - tail : tail;
}

export interface ZTestResult {
  /** (p1 − p2) / SE with the pooled standard error; negative when proportion 1 is lower. */
  z: number;
  /** One-sided p-value for H1: proportion 1 < proportion 2, i.e. Φ(z). */
  pValue: number;
}

/**
 * One-sided two-proportion z-test that proportion 1 (x1 of n1) is LOWER than proportion 2 (x2 of n2).
 *
 *   p1 = x1/n1, p2 = x2/n2, p = (x1 + x2) / (n1 + n2)            (pooled proportion under H0: p1 = p2)
 *   SE = √( p (1 − p) (1/n1 + 1/n2) ),  z = (p1 − p2) / SE,  pValue = Φ(z)
 *
 * Degenerate inputs carry no evidence and return `{ z: 0, pValue: 1 }`: an empty group (n1 = 0 or
 * n2 = 0), or a pooled proportion of exactly 0 or 1 (nobody or everybody converted, so SE = 0).
 *
 * @throws RangeError when a count is negative or not finite, or when x > n.
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTestResult {
  for (const v of [x1, n1, x2, n2]) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`counts must be finite and >= 0, got ${v}`);
  }
  if (x1 > n1 || x2 > n2) throw new RangeError(`successes exceed trials: ${x1}/${n1}, ${x2}/${n2}`);
  if (n1 === 0 || n2 === 0) return { z: 0, pValue: 1 };
  const pooled = (x1 + x2) / (n1 + n2);
  if (pooled <= 0 || pooled >= 1) return { z: 0, pValue: 1 };
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = (x1 / n1 - x2 / n2) / se;
  return { z, pValue: normalCdf(z) };
}

/**
 * Median of plain numbers (mean of the two middle values for an even count); null when empty.
 * Non-finite values are ignored.
 */
export function median(values: readonly number[]): number | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  const upper = sorted[mid] ?? 0; // n ≥ 1, so both middles exist
  return n % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

/** Histogram entries as sorted `[hours, count]` pairs; drops invalid keys (not finite, < 0) and counts ≤ 0. */
function entries(histogram: DelayHistogram): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [key, count] of Object.entries(histogram)) {
    const hours = Number(key);
    if (!Number.isFinite(hours) || hours < 0) continue;
    if (typeof count !== 'number' || !Number.isFinite(count) || count <= 0) continue;
    out.push([hours, count]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * Median of the multiset a histogram describes (value → multiplicity): with N items in order, the
 * ((N+1)/2)-th for odd N, the mean of the (N/2)-th and (N/2+1)-th for even N. Null when empty.
 * Example: {1: 2, 5: 1, 9: 1} is [1, 1, 5, 9] → (1 + 5) / 2 = 3.
 */
export function medianFromHistogram(histogram: DelayHistogram): number | null {
  const items = entries(histogram);
  const total = items.reduce((sum, [, count]) => sum + count, 0);
  if (total <= 0) return null;
  // 1-based ranks of the middle item(s).
  const lowRank = Math.floor((total + 1) / 2);
  const highRank = Math.floor(total / 2) + 1;
  let low: number | undefined;
  let high: number | undefined;
  let seen = 0;
  for (const [value, count] of items) {
    seen += count;
    if (low === undefined && seen >= lowRank) low = value;
    if (seen >= highRank) {
      high = value;
      break;
    }
  }
  // total odd: lowRank === highRank. Both are found because highRank <= total for total >= 1.
  if (low === undefined || high === undefined) return null;
  return total % 2 === 1 ? low : (low + high) / 2;
}

function checkWindow(windowDays: number): number {
  if (!Number.isFinite(windowDays) || windowDays < 0) {
    throw new RangeError(`windowDays must be a finite number >= 0, got ${windowDays}`);
  }
  return windowDays * HOURS_PER_DAY;
}

/**
 * The part of a delay histogram within a conversion window of `windowDays`: entries with
 * `h <= 24 × windowDays`. Exact for whole days, since delay ≤ W days ⟺ ceil(delay / 1 h) ≤ 24 W.
 * Invalid entries (negative or non-numeric hours, counts ≤ 0) are dropped.
 *
 * @throws RangeError when windowDays is negative or not finite.
 */
export function histogramWithin(histogram: DelayHistogram, windowDays: number): Record<number, number> {
  const limit = checkWindow(windowDays);
  const out: Record<number, number> = {};
  for (const [hours, count] of entries(histogram)) {
    if (hours <= limit) out[hours] = count;
  }
  return out;
}

/**
 * progressed(W): how many visitors reached a later stage within `windowDays` days, i.e. the sum of the
 * histogram counts with `h <= 24 × windowDays` (the boundary h = 24 W is included).
 *
 * @throws RangeError when windowDays is negative or not finite.
 */
export function progressedWithin(histogram: DelayHistogram, windowDays: number): number {
  const limit = checkWindow(windowDays);
  let sum = 0;
  for (const [hours, count] of entries(histogram)) {
    if (hours <= limit) sum += count;
  }
  return sum;
}

/** Sum of several histograms (e.g. per-day counters over a period). Invalid entries are dropped. */
export function mergeHistograms(histograms: Iterable<DelayHistogram>): Record<number, number> {
  const out: Record<number, number> = {};
  for (const histogram of histograms) {
    for (const [hours, count] of entries(histogram)) out[hours] = (out[hours] ?? 0) + count;
  }
  return out;
}
