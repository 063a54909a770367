import type { HttpEvent } from '#shared/http';

/** Event factories: the API Gateway HTTP API (v2) events Lambda receives, for handler tests. */
export interface RequestOptions {
  method?: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  /** Raw body text, sent as is (for malformed JSON and size tests). */
  rawBody?: string;
  cookies?: string[];
  sourceIp?: string;
  key?: string;
  routeKey?: string;
  pathParameters?: Record<string, string>;
}

export const BROWSER_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
export const DESKTOP_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
export const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

export function httpEvent(options: RequestOptions): HttpEvent {
  const method = options.method ?? 'GET';
  const query = new URLSearchParams(options.query ?? {});
  const headers: Record<string, string> = {
    host: new URL(process.env.TOUCHPOINT_BASE_URL!).host,
    ...(options.headers ?? {}),
  };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey: options.routeKey ?? '$default',
    rawPath: options.path,
    rawQueryString: query.toString(),
    cookies: options.cookies,
    headers,
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: headers.host!,
      domainPrefix: 'tp',
      http: {
        method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '203.0.113.7',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: options.routeKey ?? '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

/** A GET of a short link as a browser makes it (redirect handler event). */
export function clickEvent(
  slug: string,
  options: {
    query?: Record<string, string>;
    userAgent?: string;
    cookies?: string[];
    headers?: Record<string, string>;
    method?: string;
  } = {},
): HttpEvent {
  return httpEvent({
    method: options.method ?? 'GET',
    path: `/${slug}`,
    query: options.query,
    cookies: options.cookies,
    routeKey: `${options.method ?? 'GET'} /{slug}`,
    pathParameters: { slug },
    headers: { 'user-agent': options.userAgent ?? BROWSER_UA, ...(options.headers ?? {}) },
  });
}

export function parseBody<T = Record<string, unknown>>(result: { body?: string }): T {
  return JSON.parse(result.body ?? 'null') as T;
}
