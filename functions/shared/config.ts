import { z } from 'zod';

/**
 * Environment, validated once per process. Lambda, the local server and the tests all read it here;
 * a misconfigured deployment fails at start with a readable message instead of at the first request.
 */
const envSchema = z.object({
  TABLE_NAME: z.string().min(1).default('touchpoint'),
  TOUCHPOINT_BASE_URL: z.url().default('http://localhost:3000'),
  TOUCHPOINT_SHORT_DOMAINS: z.string().default(''),
  CLICK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(395),
  LINK_CACHE_TTL_SECONDS: z.coerce.number().min(0).max(300).default(10),
  LINK_NEGATIVE_CACHE_TTL_SECONDS: z.coerce.number().min(0).max(60).default(2),
  VISITOR_COOKIES: z.enum(['on', 'off']).default('on'),
});

export interface Config {
  tableName: string;
  /** Base URL of the primary short-link domain, without a trailing slash. */
  baseUrl: string;
  /** Hostnames (lowercase) that serve short links: the base URL's host plus any branded domains. */
  shortDomains: string[];
  primaryDomain: string;
  clickRetentionDays: number;
  linkCacheTtlMs: number;
  linkNegativeCacheTtlMs: number;
  visitorCookies: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const baseUrl = e.TOUCHPOINT_BASE_URL.replace(/\/+$/, '');
  const primaryDomain = new URL(baseUrl).host.toLowerCase();
  const extra = e.TOUCHPOINT_SHORT_DOMAINS.split(',')
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  return {
    tableName: e.TABLE_NAME,
    baseUrl,
    primaryDomain,
    shortDomains: [...new Set([primaryDomain, ...extra])],
    clickRetentionDays: e.CLICK_RETENTION_DAYS,
    linkCacheTtlMs: e.LINK_CACHE_TTL_SECONDS * 1000,
    linkNegativeCacheTtlMs: e.LINK_NEGATIVE_CACHE_TTL_SECONDS * 1000,
    visitorCookies: e.VISITOR_COOKIES === 'on',
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
