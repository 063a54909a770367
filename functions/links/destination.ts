import type { Link } from './model';

const UTM_PARAMS = ['source', 'medium', 'campaign', 'term', 'content'] as const;

/** The destination with the link's UTM parameters, per link object (cached links are reused objects). */
const tagged = new WeakMap<Link, string>();

function taggedDestination(link: Link): string {
  let url = tagged.get(link);
  if (url === undefined) {
    const target = new URL(link.url);
    for (const name of UTM_PARAMS) {
      const value = link.utm[name];
      if (value && !target.searchParams.has(`utm_${name}`)) target.searchParams.set(`utm_${name}`, value);
    }
    url = target.toString();
    tagged.set(link, url);
  }
  return url;
}

/**
 * Where a redirect goes: the destination, plus the link's UTM parameters where the destination does
 * not set them already, plus the request's own query (minus `r`, our scan marker), which wins over
 * both so one printed link can still be tagged per placement (docs/adr/0004-redirect-query.md).
 * Most requests bring no query of their own: they get the tagged destination, built once per cached
 * link rather than parsed and serialised on every redirect.
 */
export function destinationFor(link: Link, requestQuery: URLSearchParams): string {
  const passed = [...requestQuery].filter(([name]) => name !== 'r');
  if (passed.length === 0) return taggedDestination(link);
  const target = new URL(taggedDestination(link));
  for (const [name] of passed) target.searchParams.delete(name);
  for (const [name, value] of passed) target.searchParams.append(name, value);
  return target.toString();
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
