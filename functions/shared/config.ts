/**
 * Environment, validated once per process. Lambda, the local server and the tests all read it here;
 * a misconfigured deployment fails at start with a readable message instead of at the first request.
 * Hand-written rather than zod: this module is on the redirect's cold-start path.
 */
export interface Config {
  tableName: string;
  /** Base URL of the primary short-link domain, without a trailing slash. */
  baseUrl: string;
  /** Hostnames (lowercase, with port if any) that serve short links: the base URL's plus branded ones. */
  shortDomains: string[];
  primaryDomain: string;
  clickRetentionDays: number;
  linkCacheTtlMs: number;
  linkNegativeCacheTtlMs: number;
  /** How long the redirect waits for a DynamoDB read (slug lookup, daily salt) before giving up. */
  linkLookupTimeoutMs: number;
  /** How long a known link may be served from its expired cache entry while lookups fail (ADR 0025). */
  linkStaleMaxMs: number;
  /** How long a click write may take before the click goes to the replay log instead. */
  clickWriteTimeoutMs: number;
  /** Trust CloudFront-Viewer-Country/-Address: only behind CloudFront (TOUCHPOINT_TRUST_EDGE_HEADERS=1). */
  trustEdgeHeaders: boolean;
  /** Other host names of this service (CloudFront / API Gateway defaults); never valid destinations. */
  shortDomainAliases: string[];
  visitorCookies: boolean;
  /** Wrong or missing API keys one client may send per minute before it is answered 429 (ADR 0029). */
  authFailuresPerMinute: number;
  /** The local stream poller's batch size (in AWS the event source mapping's, set by the stack). */
  aggregateBatchSize: number;
  /** Pending clicks in a delta slot that make the scheduled run apply it (ADR 0040, 0061). */
  aggregateFlushClicks: number;
  /** Age of the oldest pending delta that makes the scheduled run apply its slot (ADR 0059, 0061). */
  aggregateFlushMs: number;
}

function numberVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`Invalid configuration: ${name} must be a number from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const rawBase = env.TOUCHPOINT_BASE_URL || 'http://localhost:3000';
  let base: URL;
  try {
    base = new URL(rawBase);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new Error(`Invalid configuration: TOUCHPOINT_BASE_URL must be an http(s) URL, got '${rawBase}'`);
  }
  const cookies = env.VISITOR_COOKIES ?? 'on';
  if (cookies !== 'on' && cookies !== 'off') {
    throw new Error(`Invalid configuration: VISITOR_COOKIES must be 'on' or 'off', got '${cookies}'`);
  }
  const primaryDomain = base.host.toLowerCase();
  const extra = (env.TOUCHPOINT_SHORT_DOMAINS ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  return {
    tableName: env.TABLE_NAME || 'touchpoint',
    baseUrl: `${base.origin}${base.pathname}`.replace(/\/+$/, ''),
    primaryDomain,
    shortDomains: [...new Set([primaryDomain, ...extra])],
    clickRetentionDays: numberVar(env, 'CLICK_RETENTION_DAYS', 395, 1, 3650),
    linkCacheTtlMs: numberVar(env, 'LINK_CACHE_TTL_SECONDS', 10, 0, 300) * 1000,
    linkNegativeCacheTtlMs: numberVar(env, 'LINK_NEGATIVE_CACHE_TTL_SECONDS', 2, 0, 60) * 1000,
    linkLookupTimeoutMs: numberVar(env, 'LINK_LOOKUP_TIMEOUT_MS', 300, 10, 10_000),
    linkStaleMaxMs: numberVar(env, 'LINK_STALE_MAX_HOURS', 24, 0, 168) * 3_600_000,
    clickWriteTimeoutMs: numberVar(env, 'CLICK_WRITE_TIMEOUT_MS', 800, 10, 30_000),
    trustEdgeHeaders: env.TOUCHPOINT_TRUST_EDGE_HEADERS === '1',
    shortDomainAliases: (env.TOUCHPOINT_SHORT_DOMAIN_ALIASES ?? '')
      .split(',')
      .map((d) => d.trim().toLowerCase().replace(/\.$/, ''))
      .filter(Boolean),
    visitorCookies: cookies === 'on',
    authFailuresPerMinute: numberVar(env, 'AUTH_FAILURES_PER_MINUTE', 20, 1, 100_000),
    aggregateBatchSize: numberVar(env, 'AGGREGATE_BATCH_SIZE', 100, 1, 10_000),
    aggregateFlushClicks: numberVar(env, 'AGGREGATE_FLUSH_CLICKS', 1_000, 1, 100_000),
    aggregateFlushMs: numberVar(env, 'AGGREGATE_FLUSH_SECONDS', 900, 0, 3_600) * 1000,
  };
}

let current: Config | undefined;

/** The process-wide configuration, read lazily so the local server can set the environment first. */
export function config(): Config {
  current ??= loadConfig();
  return current;
}

/** Forget the cached configuration (the local server and tests change the environment before use). */
export function resetConfig(): void {
  current = undefined;
}
