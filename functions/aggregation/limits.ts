import { sumLinkTotals } from '#analytics/stats-repository';
import type { ClickEvent } from '#clicks/model';
import { getLinkById, markLinkExhausted } from '#links/repository';

/**
 * Closes links that reached `maxClicks` (human clicks and scans). Runs after the counters commit, only
 * for links with a limit, so unlimited links cost nothing here. The redirect sees the change once its
 * cache entry expires: a link may overshoot its limit by the clicks of a few seconds (docs/adr).
 */
export async function enforceClickLimits(clicks: ClickEvent[], now = new Date()): Promise<void> {
  const limited = new Map<string, number>();
  for (const c of clicks)
    if (c.maxClicks !== null && c.maxClicks !== undefined && !c.bot) limited.set(c.linkId, c.maxClicks);
  for (const [linkId] of limited) {
    const link = await getLinkById(linkId);
    if (!link || link.maxClicks === null || link.exhaustedAt) continue;
    const totals = await sumLinkTotals(linkId, link.createdAt);
    if (totals.clicks + totals.scans >= link.maxClicks) await markLinkExhausted(link, now.toISOString());
  }
}
