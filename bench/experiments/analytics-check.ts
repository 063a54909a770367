import { withBenchRuntime } from './setup';

/**
 * `npx tsx bench/experiments/analytics-check.ts [clicks]`: figure 5's check alone: the aggregator's counter
 * items after `clicks` clicks (10,000 by default), its pending deltas applied, against an in-memory fold of
 * the same clicks. (It also runs figure 5's reports once, at that volume and twice it.)
 */
const small = Number(process.argv[2] ?? 10_000);
// Imported once the runtime is up (it points the shared DynamoDB client at DynamoDB Local), as run.ts does.
const result = await withBenchRuntime(async (ctx) => {
  const { benchAnalytics } = await import('../analytics');
  return benchAnalytics(ctx, { small, large: small * 2, rounds: 1, shards: 4 });
});
console.log(JSON.stringify(result.verification, null, 1));
