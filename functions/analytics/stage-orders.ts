import { findJourney } from '#journeys/service';

/**
 * Stage order per journey for the aggregator, cached briefly: journeys change rarely, and a funnel
 * computed with a stage order a minute old is corrected by `npm run recount`.
 */
const TTL_MS = 30_000;
const cache = new Map<string, { stages: string[] | null; expiresAt: number }>();

export async function stageOrders(
  journeys: string[],
  now = Date.now(),
): Promise<Map<string, string[] | null>> {
  const out = new Map<string, string[] | null>();
  for (const name of journeys) {
    const hit = cache.get(name);
    if (hit && hit.expiresAt > now) {
      out.set(name, hit.stages);
      continue;
    }
    const journey = await findJourney(name);
    const stages = journey?.stages ?? null;
    cache.set(name, { stages, expiresAt: now + TTL_MS });
    out.set(name, stages);
  }
  return out;
}
