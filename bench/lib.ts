import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

/** Small shared helpers for the benchmark suite. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

const suiteStart = performance.now();

/** Progress line on stderr, with the time since the suite started. */
export function progress(message: string): void {
  const s = ((performance.now() - suiteStart) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s} s] ${message}\n`);
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function kib(bytes: number): string {
  return `${fmt(bytes / 1024, 1)} KiB`;
}

/** Deterministic PRNG (mulberry32), so every run generates the same synthetic workload. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from `items` with the given weights (need not sum to 1). */
export function weighted<T>(random: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = random() * total;
  for (const [item, w] of items) {
    x -= w;
    if (x < 0) return item;
  }
  return items[items.length - 1]![0];
}

export interface Row {
  figure: string;
  measured: string;
  reference: string;
  ratio: string;
  target: string;
  pass: boolean | null;
}

/** Busy and total CPU time of all cores so far (ms); two readings give the machine's load in between. */
export function machineTimes(): { busy: number; total: number } {
  return cpus().reduce(
    (acc, c) => {
      const t = c.times;
      acc.busy += t.user + t.nice + t.sys + t.irq;
      acc.total += t.user + t.nice + t.sys + t.irq + t.idle;
      return acc;
    },
    { busy: 0, total: 0 },
  );
}
