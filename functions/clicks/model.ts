import type { Link } from '#links/model';
import { MINTED_VISITOR_ID } from '#shared/keys';

/** One GET of a short URL, as stored (docs/design.md §1). No raw IP is ever part of it. */
export const CLICK_SOURCES = ['click', 'scan'] as const;
export type ClickSource = (typeof CLICK_SOURCES)[number];
export const DEVICE_TYPES = ['mobile', 'tablet', 'desktop', 'tv', 'bot', 'unknown'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export interface ClickEvent {
  id: string;
  /** ISO time with milliseconds, UTC. */
  at: string;
  linkId: string;
  domain: string;
  slug: string;
  /** The link's journey, stage and touchpoint when it was clicked (later edits do not rewrite history). */
  journey: string;
  stage: string;
  touchpoint: string;
  source: ClickSource;
  visitorId: string;
  bot: boolean;
  device: DeviceType;
  os: string;
  browser: string;
  referrer: string | null;
  country: string | null;
  /** The link's click limit at click time, so the aggregator knows when to close the link. */
  maxClicks: number | null;
  /**
   * Set (true) when this click minted the visitor's id (a new cookie). With an id minted since ADR 0015
   * the click's id is the visitor id and it is stored under `keys.firstClick(visitorId)`, where the
   * aggregator finds it again. Absent otherwise.
   */
  newVisitor?: true;
}

/** What a click copies from its link: where in the journey it happened, as the link said at that moment. */
export type ClickedLink = Pick<Link, 'id' | 'domain' | 'slug' | 'journey' | 'stage' | 'touchpoint'> & {
  maxClicks?: number | null;
};

/** What the visit itself brings to a click: who, when, how. */
export type Visit = Omit<
  ClickEvent,
  'linkId' | 'domain' | 'slug' | 'journey' | 'stage' | 'touchpoint' | 'maxClicks'
>;

/** The click of `visit` on `link`: the one way a click event is built from a link (redirect, tests, bench). */
export function clickOnLink(link: ClickedLink, visit: Visit): ClickEvent {
  const click: ClickEvent = {
    id: visit.id,
    at: visit.at,
    linkId: link.id,
    domain: link.domain,
    slug: link.slug,
    journey: link.journey,
    stage: link.stage,
    touchpoint: link.touchpoint,
    source: visit.source,
    visitorId: visit.visitorId,
    bot: visit.bot,
    device: visit.device,
    os: visit.os,
    browser: visit.browser,
    referrer: visit.referrer,
    country: visit.country,
    maxClicks: link.maxClicks ?? null,
  };
  if (visit.newVisitor) click.newVisitor = true;
  return click;
}

/**
 * The click minted its visitor's id and is stored under `keys.firstClick(visitorId)` (ADR 0015), where
 * the aggregator can read it by the id alone.
 */
export function isMintingClick(click: ClickEvent): boolean {
  return click.newVisitor === true && click.id === click.visitorId && MINTED_VISITOR_ID.test(click.visitorId);
}

/** The structured log line written when a click cannot be stored; `npm run replay` re-inserts it. */
export const CLICK_WRITE_FAILED = 'click_write_failed';
