import type { Link } from './model';

const UTM_PARAMS = ['source', 'medium', 'campaign', 'term', 'content'] as const;

/**
 * Where a redirect goes: the destination, plus the link's UTM parameters where the destination does
 * not set them already, plus the request's own query (minus `r`, our scan marker), which wins over
 * both so one printed link can still be tagged per placement (docs/adr/0004-redirect-query.md).
 */
export function destinationFor(link: Link, requestQuery: URLSearchParams): string {
  const target = new URL(link.url);
  for (const name of UTM_PARAMS) {
    const value = link.utm[name];
    if (value && !target.searchParams.has(`utm_${name}`)) target.searchParams.set(`utm_${name}`, value);
  }
  const passed = [...requestQuery].filter(([name]) => name !== 'r');
  for (const [name] of passed) target.searchParams.delete(name);
  for (const [name, value] of passed) target.searchParams.append(name, value);
  return target.toString();
}
