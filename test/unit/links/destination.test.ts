import { describe, expect, it } from 'vitest';
import { destinationFor, utmConflict } from '#links/destination';
import type { Link, Utm } from '#links/model';

function link(url: string, utm: Utm = {}): Link {
  return {
    id: 'l1',
    domain: 'tp.test',
    slug: 'abc',
    url,
    touchpoint: 'poster',
    stage: 'awareness',
    journey: 'default',
    channel: null,
    category: null,
    campaign: null,
    tags: [],
    utm,
    expiresAt: null,
    maxClicks: null,
    fallbackUrl: null,
    trackConversions: false,
    status: 'active',
    exhaustedAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

const go = (url: string, utm: Utm = {}, query = '') =>
  new URL(destinationFor(link(url, utm), new URLSearchParams(query)));

describe('destinationFor', () => {
  it('returns the destination unchanged when there is no UTM and no query', () => {
    expect(destinationFor(link('https://shop.example/a?b=1#top'), new URLSearchParams())).toBe(
      'https://shop.example/a?b=1#top',
    );
  });

  it('appends the link UTM parameters as utm_*', () => {
    const url = go('https://shop.example/a', {
      source: 'poster',
      medium: 'print',
      campaign: 'spring',
      term: 'shoes',
      content: 'blue',
    });
    expect(Object.fromEntries(url.searchParams)).toEqual({
      utm_source: 'poster',
      utm_medium: 'print',
      utm_campaign: 'spring',
      utm_term: 'shoes',
      utm_content: 'blue',
    });
  });

  it("keeps the destination's own utm_* values over the link's", () => {
    const url = go('https://shop.example/a?utm_source=mine', { source: 'poster', medium: 'print' });
    expect(url.searchParams.getAll('utm_source')).toEqual(['mine']);
    expect(url.searchParams.get('utm_medium')).toBe('print');
  });

  it("never lets the request rewrite a UTM the link sets (the campaign's attribution)", () => {
    const url = go(
      'https://shop.example/a?utm_source=mine&utm_medium=x',
      { source: 'poster', campaign: 'spring' },
      'utm_source=evil&utm_campaign=autumn&utm_medium=y',
    );
    expect(url.searchParams.getAll('utm_source')).toEqual(['mine']);
    expect(url.searchParams.getAll('utm_campaign')).toEqual(['spring']);
    expect(url.searchParams.getAll('utm_medium')).toEqual(['x']);
  });

  it('lets the request set the UTMs the link leaves open (tagging one printed link per placement)', () => {
    const url = go('https://shop.example/a', { source: 'poster' }, 'utm_content=lobby&utm_source=evil');
    expect(url.searchParams.getAll('utm_content')).toEqual(['lobby']);
    expect(url.searchParams.getAll('utm_source')).toEqual(['poster']);
  });

  it('passes other request parameters through and keeps the destination ones', () => {
    const url = go('https://shop.example/a?lang=en', {}, 'coupon=SAVE10&gclid=abc');
    expect(Object.fromEntries(url.searchParams)).toEqual({ lang: 'en', coupon: 'SAVE10', gclid: 'abc' });
  });

  it("drops a visitor's tp_cid (only a conversion-tracking link sets one, naming its own click)", () => {
    expect(go('https://shop.example/a', {}, 'tp_cid=someone-elses&x=1').searchParams.has('tp_cid')).toBe(
      false,
    );
  });

  it('drops r (the scan marker), whatever its value, but keeps a destination r', () => {
    expect(go('https://shop.example/a', {}, 'r=qr').search).toBe('');
    expect(go('https://shop.example/a', {}, 'r=anything&x=1').searchParams.has('r')).toBe(false);
    expect(go('https://shop.example/a?r=partner7', {}, 'r=qr').searchParams.getAll('r')).toEqual([
      'partner7',
    ]);
  });

  it('keeps repeated request parameters in order, replacing the destination values of that name', () => {
    const url = go('https://shop.example/a?size=s&color=red', {}, 'size=m&size=l');
    expect(url.searchParams.getAll('size')).toEqual(['m', 'l']);
    expect(url.searchParams.getAll('color')).toEqual(['red']);
  });

  it('keeps repeated destination parameters the request does not touch', () => {
    const url = go('https://shop.example/a?tag=a&tag=b', { source: 'x' });
    expect(url.searchParams.getAll('tag')).toEqual(['a', 'b']);
  });

  it('encodes values safely and keeps the fragment last', () => {
    const result = destinationFor(
      link('https://shop.example/a#reviews'),
      new URLSearchParams('q=a b&x=%26y%3D1'),
    );
    const url = new URL(result);
    expect(url.hash).toBe('#reviews');
    expect(url.searchParams.get('q')).toBe('a b');
    expect(url.searchParams.get('x')).toBe('&y=1');
    expect(url.searchParams.has('y')).toBe(false);
    expect(result.endsWith('#reviews')).toBe(true);
  });

  it('does not change the host or path, whatever the query says', () => {
    const url = go('https://shop.example/path', {}, 'next=https://evil.example/');
    expect(url.origin + url.pathname).toBe('https://shop.example/path');
  });
});

describe('utmConflict', () => {
  it('names a UTM set both in the link and in its URL with different values', () => {
    expect(utmConflict('https://a.example/?utm_source=x', { source: 'y' })).toMatch(
      /utm.source 'y'.*utm_source=x/,
    );
    expect(utmConflict('https://a.example/?utm_source=x', { source: 'x', medium: 'print' })).toBeNull();
    expect(utmConflict('https://a.example/', { source: 'y' })).toBeNull();
  });
});
