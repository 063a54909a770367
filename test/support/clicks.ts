import { type ClickEvent, type ClickedLink, clickOnLink } from '#clicks/model';

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
  const click = clickOnLink(link, {
    id: 'c1',
    at: '2026-11-25T10:00:00.000Z',
    source: 'click',
    visitorId: 'v1',
    bot: false,
    device: 'mobile',
    os: 'iOS',
    browser: 'Safari',
    referrer: null,
    country: null,
  });
  return { ...click, ...overrides };
}
