import { createHash, randomBytes } from 'node:crypto';
import { nanoid } from 'nanoid';
import { log } from '../shared/log';
import { getOrCreateDailySalt } from './repository';

export const VISITOR_COOKIE = 'tp_vid';
const COOKIE_MAX_AGE_SECONDS = 400 * 24 * 3600; // browsers cap cookies at 400 days
const VISITOR_ID_PATTERN = /^v_[A-Za-z0-9_-]{21}$/;
const COOKIE_ATTRIBUTES = `Max-Age=${COOKIE_MAX_AGE_SECONDS}; Path=/; HttpOnly; SameSite=Lax`;
const SECURE_COOKIE_ATTRIBUTES = `${COOKIE_ATTRIBUTES}; Secure`;

export interface VisitorRequest {
  cookieHeader: string | undefined;
  cookies: string[] | undefined;
  globalPrivacyControl: boolean;
  cookiesEnabled: boolean;
  sourceIp: string;
  userAgent: string;
  secure: boolean;
  now: Date;
}

export interface Visitor {
  id: string;
  /** The id was minted for this request (a new cookie): nothing can have been recorded for it yet. */
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

/**
 * The shared daily salt; if DynamoDB cannot give it (throttling, an outage), a salt private to this
 * instance for the day: visitor ids then differ between instances, but the redirect never fails.
 */
async function dailySalt(day: string): Promise<string> {
  try {
    return await getOrCreateDailySalt(day, () => randomBytes(32).toString('hex'));
  } catch (err) {
    log.warn('visitor_salt_unavailable', { error: err instanceof Error ? err.message : String(err) });
    if (!fallbackSalts.has(day)) {
      fallbackSalts.clear();
      fallbackSalts.set(day, randomBytes(32).toString('hex'));
    }
    return fallbackSalts.get(day)!;
  }
}

/**
 * The visitor value object, built from the request in one place (DESIGN.md §1, privacy):
 * - cookies on and no Global Privacy Control: a random first-party id in a cookie on the short domain;
 * - otherwise: a hash of IP + user agent with a salt that rotates daily and is deleted after two days,
 *   so the same person cannot be linked across days, and no raw IP is stored.
 */
export async function identifyVisitor(req: VisitorRequest): Promise<Visitor> {
  if (req.cookiesEnabled && !req.globalPrivacyControl) {
    const existing = readCookie(req);
    if (existing && VISITOR_ID_PATTERN.test(existing)) return { id: existing, isNew: false, setCookie: null };
    const id = `v_${nanoid()}`;
    return {
      id,
      isNew: true,
      setCookie: `${VISITOR_COOKIE}=${id}; ${req.secure ? SECURE_COOKIE_ATTRIBUTES : COOKIE_ATTRIBUTES}`,
    };
  }
  const day = req.now.toISOString().slice(0, 10);
  const salt = await dailySalt(day);
  const digest = createHash('sha256').update(`${salt}|${req.sourceIp}|${req.userAgent}`).digest('base64url');
  // The same person hashes to the same id all day: they may well have been counted already.
  return { id: `h_${digest.slice(0, 22)}`, isNew: false, setCookie: null };
}
