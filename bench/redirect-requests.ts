import type { HttpEvent } from '#shared/http';
import { type BenchContext, BROWSER_UA } from './context';

/**
 * Figure 1: DynamoDB requests per redirect with the link cached. Drives the real redirect handler
 * in-process (the same module the local server runs), one warm-up request per variant, then N requests,
 * counting every HTTP request the SDK sends to DynamoDB Local.
 */

export interface RedirectRequestsVariant {
  name: string;
  redirects: number;
  requests: number;
  commands: string;
}

export interface RedirectRequestsResult {
  variants: RedirectRequestsVariant[];
  redirects: number;
  requests: number;
  perRedirect: number;
}

/** A `GET /{slug}` event in API Gateway's payload 2.0 shape, as the HTTP API hands it to the redirect. */
export function redirectEvent(
  ctx: { host: string },
  slug: string,
  opts: { query?: string; cookie?: string; ip: string; userAgent?: string },
): HttpEvent {
  const now = new Date();
  const userAgent = opts.userAgent ?? BROWSER_UA;
  const headers: Record<string, string> = { host: ctx.host, 'user-agent': userAgent, accept: 'text/html' };
  return {
    version: '2.0',
    routeKey: 'GET /{slug}',
    rawPath: `/${slug}`,
    rawQueryString: opts.query ?? '',
    cookies: opts.cookie ? [opts.cookie] : undefined,
    headers,
    pathParameters: { slug },
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: ctx.host,
      domainPrefix: 'bench',
      http: {
        method: 'GET',
        path: `/${slug}`,
        protocol: 'HTTP/1.1',
        sourceIp: opts.ip,
        userAgent,
      },
      requestId: `bench-${Math.random()}`,
      routeKey: 'GET /{slug}',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

export async function benchRedirectRequests(
  ctx: BenchContext,
  slug: string,
  perVariant = 200,
): Promise<RedirectRequestsResult> {
  const { handler } = await import('#handlers/redirect');
  const { clearLinkCache } = await import('#links/cache');
  const { resetConfig } = await import('#shared/config');

  const variants: Array<{ name: string; env?: Record<string, string>; make: (i: number) => HttpEvent }> = [
    { name: 'new visitor, click', make: (i) => redirectEvent(ctx, slug, { ip: `198.51.100.${i % 250}` }) },
    {
      name: 'returning visitor (cookie), scan ?r=qr',
      make: (i) =>
        redirectEvent(ctx, slug, {
          query: 'r=qr',
          cookie: `tp_vid=v_${String(i).padStart(21, '0')}`,
          ip: `198.51.100.${i % 250}`,
        }),
    },
    {
      name: 'cookies off (daily salted hash)',
      env: { VISITOR_COOKIES: 'off' },
      make: (i) => redirectEvent(ctx, slug, { ip: `203.0.113.${i % 250}` }),
    },
  ];

  const out: RedirectRequestsVariant[] = [];
  for (const variant of variants) {
    const saved = new Map<string, string | undefined>();
    for (const [k, v] of Object.entries(variant.env ?? {})) {
      saved.set(k, process.env[k]);
      process.env[k] = v;
    }
    resetConfig();
    clearLinkCache();
    try {
      // Warm-up: fills the link cache (and, cookies off, the daily salt cache).
      const warm = await handler(variant.make(0));
      if (warm.statusCode !== 302) throw new Error(`warm-up redirect answered ${warm.statusCode}`);
      ctx.counter.reset();
      ctx.counter.enabled = true;
      for (let i = 1; i <= perVariant; i++) {
        const res = await handler(variant.make(i));
        if (res.statusCode !== 302) throw new Error(`redirect answered ${res.statusCode}`);
      }
      ctx.counter.enabled = false;
      out.push({
        name: variant.name,
        redirects: perVariant,
        requests: ctx.counter.attempts,
        commands: ctx.counter.summary(),
      });
    } finally {
      ctx.counter.enabled = false;
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      resetConfig();
    }
  }
  const redirects = out.reduce((s, v) => s + v.redirects, 0);
  const requests = out.reduce((s, v) => s + v.requests, 0);
  return { variants: out, redirects, requests, perRedirect: requests / redirects };
}
