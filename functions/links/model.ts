/** A short link for one touchpoint of a journey. See docs/design.md §1 and §4. */
export type LinkCategory = 'digital' | 'physical' | 'human';
export type StoredLinkStatus = 'active' | 'archived';
/** What the API reports: archived by a person, or no longer redirecting by its own limits. */
export type LinkStatus = StoredLinkStatus | 'expired' | 'exhausted';

export interface Utm {
  source?: string;
  medium?: string;
  campaign?: string;
  term?: string;
  content?: string;
}

export interface Link {
  id: string;
  domain: string;
  slug: string;
  url: string;
  touchpoint: string;
  stage: string;
  journey: string;
  channel: string | null;
  category: LinkCategory | null;
  campaign: string | null;
  tags: string[];
  utm: Utm;
  expiresAt: string | null;
  maxClicks: number | null;
  fallbackUrl: string | null;
  /** Adds `tp_cid=<click id>` to the destination, so the customer's site can report conversions. */
  trackConversions: boolean;
  status: StoredLinkStatus;
  /** Set by the aggregator when the link's human clicks reach maxClicks. */
  exhaustedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface LinkView extends Omit<Link, 'status' | 'exhaustedAt'> {
  shortUrl: string;
  qrContent: string;
  status: LinkStatus;
}

export function shortUrlOf(
  link: Pick<Link, 'domain' | 'slug'>,
  baseUrl: string,
  primaryDomain: string,
): string {
  if (link.domain === primaryDomain) return `${baseUrl}/${link.slug}`;
  return `https://${link.domain}/${link.slug}`;
}

/** Why a link no longer redirects to its destination at `now`, or null when it does. */
export function inactiveReason(link: Link, now: number): Exclude<LinkStatus, 'active'> | null {
  if (link.status === 'archived') return 'archived';
  if (link.expiresAt && Date.parse(link.expiresAt) <= now) return 'expired';
  if (link.exhaustedAt) return 'exhausted';
  return null;
}

export function toView(link: Link, baseUrl: string, primaryDomain: string, now = Date.now()): LinkView {
  const { exhaustedAt: _exhausted, ...rest } = link;
  const shortUrl = shortUrlOf(link, baseUrl, primaryDomain);
  return { ...rest, shortUrl, qrContent: `${shortUrl}?r=qr`, status: inactiveReason(link, now) ?? 'active' };
}
