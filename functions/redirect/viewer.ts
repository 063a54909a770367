import { isIP } from 'node:net';
import { countryCode } from '#clicks/classify';

/** Who sent the request, as far as this function can know it (ADR 0028). */
export interface Viewer {
  /** The client's IP address: only ever hashed (cookieless visitor id), never stored. */
  address: string;
  /** ISO 3166 alpha-2, or null when no trusted source says. */
  country: string | null;
}

/**
 * The viewer of a request. Behind CloudFront (`trustEdgeHeaders`, set by the stack only on the
 * function-URL redirect, which only CloudFront can reach) the socket address is an edge server's, and
 * CloudFront's own `CloudFront-Viewer-Address` / `-Country` headers name the real client; CloudFront sets
 * them itself, replacing whatever a client sent. Anywhere else any client can send these headers, so
 * they are ignored: the socket (or API Gateway's sourceIp) is the address and the country is unknown.
 */
export function viewerOf(
  header: (name: string) => string | undefined,
  sourceIp: string,
  trustEdgeHeaders: boolean,
): Viewer {
  if (!trustEdgeHeaders) return { address: sourceIp, country: null };
  return {
    address: edgeAddress(header('cloudfront-viewer-address')) ?? sourceIp,
    country: countryCode(header('cloudfront-viewer-country')),
  };
}

/**
 * `CloudFront-Viewer-Address` is `ip:port`: `198.51.100.10:46532`, or for IPv6 the address followed by
 * `:port` without brackets (`2001:db8::1:46532`). Brackets are accepted too. Anything that does not
 * parse to an IP address gives null.
 */
export function edgeAddress(value: string | undefined): string | null {
  if (!value || value.length > 64) return null;
  const colon = value.lastIndexOf(':');
  if (colon <= 0 || !/^\d{1,5}$/.test(value.slice(colon + 1))) return null;
  let address = value.slice(0, colon);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const family = isIP(address);
  if (family === 4) return address;
  // One spelling per IPv6 address (2001:DB8:0::1 and 2001:db8::1 are one viewer).
  return family === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : null;
}
