import type { Link } from './model';

const UTM_PARAMS = ['source', 'medium', 'campaign', 'term', 'content'] as const;

/**
 * The destination with the link's UTM parameters, and the UTM names it then sets, per link object
 * (cached links are reused objects).
 */
const tagged = new WeakMap<Link, { url: string; utmNames: ReadonlySet<string> }>();

function taggedDestination(link: Link): { url: string; utmNames: ReadonlySet<string> } {
  let destination = tagged.get(link);
  if (destination === undefined) {
    const target = new URL(link.url);
    for (const name of UTM_PARAMS) {
      const value = link.utm[name];
      if (value && !target.searchParams.has(`utm_${name}`)) target.searchParams.set(`utm_${name}`, value);
    }
    const utmNames = new Set([...target.searchParams.keys()].filter((name) => name.startsWith('utm_')));
    destination = { url: target.toString(), utmNames };
    tagged.set(link, destination);
  }
  return destination;
}

/**
 * Request parameters that are ours, never the destination's: `r` (the scan marker) and `tp_cid` (the
 * click id a conversion-tracking link adds itself; one a visitor sends would name someone else's click).
 */
const OURS: ReadonlySet<string> = new Set(['r', 'tp_cid']);

/**
 * Where a redirect goes: the destination, plus the link's UTM parameters, plus the request's own query
 * (minus `r` and `tp_cid`, ours), which replaces the destination's parameters of the same name, except the
 * UTM parameters the link sets: those are the campaign's attribution, and a visitor's `?utm_source=…`
 * must not rewrite it. A UTM the link leaves open can still be set per placement
 * (docs/adr/0004-redirect-query.md). Most requests bring no query of their own: they get the tagged
 * destination, built once per cached link rather than parsed and serialised on every redirect.
 */
export function destinationFor(link: Link, requestQuery: URLSearchParams): string {
  const { url, utmNames } = taggedDestination(link);
  const passed = [...requestQuery].filter(([name]) => !OURS.has(name) && !utmNames.has(name));
  if (passed.length === 0) return url;
  const target = new URL(url);
  for (const [name] of passed) target.searchParams.delete(name);
  for (const [name, value] of passed) target.searchParams.append(name, value);
  return target.toString();
}

/**
 * Why a link's UTM settings contradict its destination URL (`utm.source` "y" and `utm_source=x` in the
 * URL), or null. Refused rather than resolved silently: one of the two would be ignored.
 */
export function utmConflict(url: string, utm: Link['utm']): string | null {
  const inUrl = new URL(url).searchParams;
  for (const name of UTM_PARAMS) {
    const set = utm[name];
    const written = inUrl.get(`utm_${name}`);
    if (set && written !== null && written !== set) {
      return `utm.${name} '${set}' contradicts utm_${name}=${written} in the url; set it in one place.`;
    }
  }
  return null;
}

/**
 * The destination with the click's `tp_cid` token (conversion tracking), replacing any `tp_cid` the
 * destination or the request brought: the site must get the id of the click that sent the customer.
 */
export function withClickToken(location: string, token: string): string {
  const target = new URL(location);
  target.searchParams.set('tp_cid', token);
  return target.toString();
}

/**
 * The fallback URL as a `Location` header can carry it: serialised by the URL parser, so characters
 * outside ASCII (`/ürün`) are percent-encoded rather than making the header invalid.
 */
export function fallbackFor(link: Link): string | null {
  return link.fallbackUrl ? new URL(link.fallbackUrl).href : null;
}
