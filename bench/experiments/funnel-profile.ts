/**
 * Figure 5 alone, for iterating on the funnel read path (not part of `npm run bench`):
 * `npx tsx bench/experiments/funnel-profile.ts`. Loads the 10k and 1M workloads as counter items (the
 * fold, written directly; CLICKS_LARGE to change the larger volume), then times `ROUNDS` funnel calls per
 * volume over HTTP, interleaved, and profiles this process (the local server) during the 1M calls.
 */
import { performance } from 'node:perf_hooks';
import { median, progress } from '../lib';
import { profileWhile } from './cpu-profile';
import { withBenchRuntime } from './setup';

await withBenchRuntime(async (ctx) => {
  const { api } = await import('../context');
  const { createJourneyAndLinks, workloadOptions } = await import('../analytics');
  const { writeItems } = await import('../context');
  const { CounterFold, generateVisitors } = await import('../workload');
  const { journeyShapes } = await import('#aggregation/journey-shapes');
  const now = Date.now();
  const journeys: Array<{ volume: number; path: string }> = [];
  for (const volume of [10_000, Number(process.env.CLICKS_LARGE ?? 1_000_000)]) {
    const journey = `profile-${volume}`;
    const links = await createJourneyAndLinks(ctx, journey);
    const orders = await journeyShapes([journey]);
    const fold = new CounterFold((j) => orders.get(j) ?? null);
    generateVisitors(workloadOptions(7, links, volume, now), (clicks) => fold.visitor(clicks));
    const items = fold.toItems();
    progress(`${volume} clicks: writing ${items.length} counter items`);
    await writeItems(ctx, items);
    journeys.push({ volume, path: `/api/journeys/${journey}/funnel` });
  }
  const rounds = Number(process.env.ROUNDS ?? 40);
  const times = new Map<number, number[]>(journeys.map((j) => [j.volume, []]));
  const call = async (j: { volume: number; path: string }) => {
    const t0 = performance.now();
    const res = await api(ctx, 'GET', j.path);
    if (res.status !== 200) throw new Error(`${j.path} → ${res.status}`);
    times.get(j.volume)!.push(performance.now() - t0);
  };
  for (let r = 0; r < 5; r++) for (const j of journeys) await call(j);
  for (const t of times.values()) t.length = 0;
  for (let r = 0; r < rounds; r++) for (const j of journeys) await call(j);
  const [small, large] = journeys.map((j) => median(times.get(j.volume)!));
  progress(
    `funnel median: ${small!.toFixed(1)} ms at 10k, ${large!.toFixed(1)} ms at large = ${(large! / small!).toFixed(2)}×`,
  );
  const { summary } = await profileWhile(async () => {
    for (let r = 0; r < rounds; r++) await call(journeys[1]!);
  });
  console.log(
    `\nCPU profile of the local server during ${rounds} funnel calls at the large volume, ${summary}`,
  );
});
