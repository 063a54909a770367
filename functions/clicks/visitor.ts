import { createHash, randomBytes } from 'node:crypto';
import { nanoid } from 'nanoid';
import { keys, MINTED_VISITOR_ID } from '#shared/keys';
import { log } from '#shared/log';
import { environmentClickPartition } from './partition';
import { getOrCreateDailySalt } from './repository';

export const VISITOR_COOKIE = 'tp_vid';
const BROWSER_COOKIE_LIMIT_DAYS = 400; // browsers cap cookies at 400 days

/**
 * The cookie lives no longer than raw clicks are kept: the aggregator reads a visitor's first click by
 * the id (ADR 0015), so while a browser still sends the id, the click that minted it is still stored.
 */
let cookieAttributes: { retentionDays: number; plain: string; secure: string } | undefined;
function cookieAttributesFor(retentionDays: number, secure: boolean): string {
  if (cookieAttributes?.retentionDays !== retentionDays) {
    const maxAge = Math.min(BROWSER_COOKIE_LIMIT_DAYS, retentionDays) * 86400;
    const plain = `Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax`;
    cookieAttributes = { retentionDays, plain, secure: `${plain}; Secure` };
  }
  return secure ? cookieAttributes.secure : cookieAttributes.plain;
}

export interface VisitorRequest {
  cookieHeader: string | undefined;
  cookies: string[] | undefined;
  globalPrivacyControl: boolean;
  cookiesEnabled: boolean;
  /** The real client address (the edge's viewer address when trusted): hashed, never stored. */
  clientAddress: string;
  userAgent: string;
  secure: boolean;
  /** Raw-click retention (CLICK_RETENTION_DAYS): the cookie does not outlive the click that minted it. */
  retentionDays: number;
  now: Date;
}

export interface Visitor {
  id: string;
  /**
   * The id was minted for this request (a new cookie): this request's click is the visitor's first, and
   * must be stored under `keys.firstClick(id)` with the id as its click id (ADR 0015).
   */
  isNew: boolean;
  /** Set-Cookie value to send, when the visitor got a new cookie id. */
  setCookie: string | null;
}

function readCookie(req: VisitorRequest): string | undefined {
  const all = [...(req.cookies ?? []), ...(req.cookieHeader ? req.cookieHeader.split(';') : [])];
  for (const pair of all) {
    const [name, ...rest] = pair.trim().split('=');
    if (name === VISITOR_COOKIE) return rest.join('=');
  }
  return undefined;
}

const fallbackSalts = new Map<string, string>();
/** After DynamoDB failed to give the salt, this instance's own salt is used this long before asking again. */
const SALT_RETRY_AFTER_FAILURE_MS = 1_000;
let saltUnavailableUntil = 0;

/**
 * The shared daily salt; if DynamoDB cannot give it (throttling, an outage), a salt private to this
 * instance for the day: visitor ids then differ between instances, but the redirect never fails. After
 * a failure DynamoDB is not asked again for a moment, so during an outage only one cookieless redirect
 * a second waits for the deadline (ADR 0025), as with the link cache.
 */
async function dailySalt(day: string, nowMs: number): Promise<string> {
  const kept = fallbackSalts.get(day);
  if (kept && nowMs < saltUnavailableUntil) return kept;
  try {
    return await getOrCreateDailySalt(day, () => randomBytes(32).toString('hex'));
  } catch (err) {
    log.warn('visitor_salt_unavailable', { error: err instanceof Error ? err.message : String(err) });
    saltUnavailableUntil = nowMs + SALT_RETRY_AFTER_FAILURE_MS;
    if (kept) return kept;
    const salt = randomBytes(32).toString('hex');
    fallbackSalts.clear();
    fallbackSalts.set(day, salt);
    return salt;
  }
}

/**
 * The visitor value object, built from the request in one place (docs/design.md §1, privacy):
 * - cookies on and no Global Privacy Control: a random first-party id in a cookie on the short domain;
 * - otherwise: a hash of IP + user agent with a salt that rotates daily and is deleted after two days,
 *   so the same person cannot be linked across days, and no raw IP is stored.
 */
export async function identifyVisitor(req: VisitorRequest): Promise<Visitor> {
  if (req.cookiesEnabled && !req.globalPrivacyControl) {
    const existing = readCookie(req);
    if (existing && MINTED_VISITOR_ID.test(existing)) {
      return { id: existing, isNew: false, setCookie: null };
    }
    const id = keys.mintedVisitorId(req.now.getTime(), environmentClickPartition(), nanoid(11));
    return {
      id,
      isNew: true,
      setCookie: `${VISITOR_COOKIE}=${id}; ${cookieAttributesFor(req.retentionDays, req.secure)}`,
    };
  }
  const day = req.now.toISOString().slice(0, 10);
  const salt = await dailySalt(day, req.now.getTime());
  const digest = createHash('sha256')
    .update(`${salt}|${req.clientAddress}|${req.userAgent}`)
    .digest('base64url');
  // The same person hashes to the same id all day: they may well have been counted already.
  return { id: `h_${digest.slice(0, 22)}`, isNew: false, setCookie: null };
}
