import type { ClickEvent } from '../../functions/clicks/model';
import type { Link } from '../../functions/links/model';

/** What a click copies from its link (journey, stage and touchpoint at click time). */
export type ClickedLink = Pick<Link, 'id' | 'domain' | 'slug' | 'journey' | 'stage' | 'touchpoint'>;

export const SAMPLE_LINK: ClickedLink = {
  id: 'lnk1',
  domain: 'tp.test',
  slug: 'spring',
  journey: 'default',
  stage: 'awareness',
  touchpoint: 'poster',
};

/**
 * A stored click on `link`, as the redirect writes it: a human on an iPhone, a returning visitor, no
 * referrer or country. Tests override what they are about.
 */
export function clickOn(link: ClickedLink = SAMPLE_LINK, overrides: Partial<ClickEvent> = {}): ClickEvent {
  return {
    id: 'c1',
    at: '2026-11-25T10:00:00.000Z',
    linkId: link.id,
    domain: link.domain,
    slug: link.slug,
    journey: link.journey,
    stage: link.stage,
    touchpoint: link.touchpoint,
    source: 'click',
    visitorId: 'v1',
    bot: false,
    device: 'mobile',
    os: 'iOS',
    browser: 'Safari',
    referrer: null,
    country: null,
    maxClicks: null,
    ...overrides,
  };
}
