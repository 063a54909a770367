import { benchWriteCost } from '../write-cost';
import { withBenchRuntime } from './setup';

/** `npx tsx bench/experiments/write-cost-at.ts 5 300`: figure 6 at one traffic level (clicks/s, seconds). */
const clicksPerSecond = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 300);
const result = await withBenchRuntime((ctx) =>
  benchWriteCost(ctx, { levels: [{ clicksPerSecond, clicks: Math.round(clicksPerSecond * seconds) }] }),
);
const [level] = result.levels;
console.log(JSON.stringify({ ...level, byCommand: level?.byCommand }, null, 1));
