import { benchWriteCost } from '../write-cost';
import { withBenchRuntime } from './setup';

/**
 * `npx tsx bench/experiments/write-cost-at.ts 5 300 [window]`: figure 6 at one traffic level (clicks/s,
 * seconds of traffic, and optionally another stream batching window in seconds than the stack's).
 */
const clicksPerSecond = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 300);
const batchingWindowSeconds = process.argv[4] ? Number(process.argv[4]) : undefined;
const result = await withBenchRuntime((ctx) =>
  benchWriteCost(ctx, {
    levels: [{ clicksPerSecond, clicks: Math.round(clicksPerSecond * seconds) }],
    batchingWindowSeconds,
  }),
);
const [level] = result.levels;
console.log(JSON.stringify({ ...level, byCommand: level?.byCommand }, null, 1));
