import Bowser from 'bowser';
import { isbot } from 'isbot';
import type { DeviceType } from './model';

export interface UserAgentInfo {
  bot: boolean;
  device: DeviceType;
  os: string;
  browser: string;
}

/**
 * Bot flag from `isbot` (crawlers and link-preview fetchers); device, OS and browser from `bowser`
 * (MIT; ua-parser-js 2.x is AGPL). A missing user agent is treated as a bot: browsers always send one.
 * Results are memoised per user-agent string: real traffic repeats a few hundred strings, and parsing
 * one costs ~12 µs of the redirect's CPU (docs/benchmarks.md, figure 2).
 */
export function classifyUserAgent(userAgent: string | undefined): Readonly<UserAgentInfo> {
  if (!userAgent) return UNKNOWN_BOT;
  const hit = memo.get(userAgent);
  if (hit) return hit;
  const info = Object.freeze(parseUserAgent(userAgent));
  // Bounded: a client sending made-up strings must not grow the cache; a full cache just starts over.
  if (memo.size >= MEMO_ENTRIES || userAgent.length > MEMO_MAX_LENGTH) memo.clear();
  if (userAgent.length <= MEMO_MAX_LENGTH) memo.set(userAgent, info);
  return info;
}

const MEMO_ENTRIES = 1_000;
const MEMO_MAX_LENGTH = 512;
const memo = new Map<string, Readonly<UserAgentInfo>>();
const UNKNOWN_BOT: Readonly<UserAgentInfo> = Object.freeze({
  bot: true,
  device: 'bot',
  os: 'unknown',
  browser: 'unknown',
});

function parseUserAgent(userAgent: string): UserAgentInfo {
  if (isbot(userAgent)) return { ...UNKNOWN_BOT };
  const parsed = Bowser.parse(userAgent);
  const platform = parsed.platform.type;
  const device: DeviceType =
    platform === 'mobile' || platform === 'tablet' || platform === 'desktop' || platform === 'tv'
      ? platform
      : 'unknown';
  return {
    bot: false,
    device,
    os: parsed.os.name || 'unknown',
    browser: parsed.browser.name || 'unknown',
  };
}

/** Only the referrer's host is kept: paths and queries can carry personal data. */
export function referrerHost(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    const host = new URL(referer).hostname.toLowerCase().replace(/\.$/, '');
    // Each host becomes a counter attribute: long made-up hosts are folded so a client cannot bloat items.
    if (host.length === 0) return null;
    return host.length <= 64 ? host : 'other';
  } catch {
    return null;
  }
}

export function countryCode(header: string | undefined): string | null {
  return header && /^[A-Za-z]{2}$/.test(header) ? header.toUpperCase() : null;
}
