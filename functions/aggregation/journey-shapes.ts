import type { JourneyShape } from '#journeys/contributions';
import { findJourney } from '#journeys/service';

/**
 * Stage order and goals per journey for the aggregator, cached briefly: journeys change rarely, and a
 * funnel computed with a definition a minute old is corrected by `npm run recount`.
 */
const TTL_MS = 30_000;
const cache = new Map<string, { shape: JourneyShape | null; expiresAt: number }>();

export async function journeyShapes(
  journeys: string[],
  now = Date.now(),
): Promise<Map<string, JourneyShape | null>> {
  const out = new Map<string, JourneyShape | null>();
  for (const name of journeys) {
    const hit = cache.get(name);
    if (hit && hit.expiresAt > now) {
      out.set(name, hit.shape);
      continue;
    }
    const journey = await findJourney(name);
    const shape = journey ? { stages: journey.stages, goals: journey.goals } : null;
    cache.set(name, { shape, expiresAt: now + TTL_MS });
    out.set(name, shape);
  }
  return out;
}
