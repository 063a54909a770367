import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compileRoutePath } from '#api/router';
import type { HttpEvent, HttpResult } from '#shared/http';
import { type FunctionName, ROUTES } from '#shared/routes';

const NO_BODY = Buffer.alloc(0);

/** Reads at most `limit` bytes; more than that is reported as `tooLarge` without buffering it all. */
export async function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ body: Buffer; tooLarge: boolean }> {
  // A request has a body only if it says so (Content-Length or Transfer-Encoding, RFC 9112 §6.3). For the
  // redirect's bodyless GETs this skips the stream's async iterator, the adapter's largest cost per
  // request (bench/experiments/redirect-layers.ts).
  if (req.headers['transfer-encoding'] === undefined && !(Number(req.headers['content-length']) > 0)) {
    req.resume();
    return { body: NO_BODY, tooLarge: false };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk as Buffer);
  }
  return { body: Buffer.concat(chunks), tooLarge };
}

/** API Gateway's choice order: exact paths before `{param}` before `{proxy+}`, a method before ANY. */
const specificity = (r: { path: string; method: string }) =>
  (r.path.includes('+}') ? 4 : r.path.includes('{') ? 2 : 0) + (r.method === 'ANY' ? 1 : 0);

// The same path matching as the API router, sorted once so each request takes the first match.
const compiled = ROUTES.map((r) => ({ ...r, pattern: compileRoutePath(r.path).pattern })).sort(
  (a, b) => specificity(a) - specificity(b),
);

/** The route API Gateway would pick for this request: the most specific one that matches. */
export function selectRoute(
  method: string,
  path: string,
): { fn: FunctionName; routeKey: string; slug?: string } | null {
  const best = compiled.find((r) => (r.method === method || r.method === 'ANY') && r.pattern.test(path));
  if (!best) return null;
  const slug = best.fn === 'redirect' ? path.slice(1) : undefined;
  return { fn: best.fn, routeKey: `${best.method} ${best.path}`, slug };
}

let requestSerial = 0;

/** As API Gateway (payload 2.0) passes them: a repeated parameter's values joined with commas. */
function queryParameters(params: URLSearchParams): Record<string, string> {
  const query = new Map<string, string>();
  for (const [name, value] of params) {
    const earlier = query.get(name);
    query.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  return Object.fromEntries(query);
}

/** Builds the API Gateway HTTP API (payload v2) event Lambda would receive for this request. */
export function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  routeKey: string,
  pathParameters?: Record<string, string>,
): HttpEvent {
  // Plain loops and no regular expression for a bodyless request: this runs on every redirect, whose
  // CPU per request figure 2 of docs/benchmarks.md measures.
  const headers: Record<string, string> = {};
  const raw = req.headers;
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookies = raw.cookie
    ? raw.cookie
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean)
    : undefined;
  // Text goes to the handler as a string only when it is UTF-8; anything else arrives base64-encoded,
  // so the handler sees the bytes that were sent rather than U+FFFD in their place.
  const textual =
    body.length === 0 ||
    (/json|text|xml|form-urlencoded/.test(headers['content-type'] ?? '') && isUtf8(body));
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies,
    headers,
    queryStringParameters: url.search ? queryParameters(url.searchParams) : undefined,
    pathParameters,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${now}-${++requestSerial}`,
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body: body.length ? (textual ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !textual,
  };
}

/** Writes a handler's result as API Gateway would: its headers, its cookies as Set-Cookie, its body. */
export function writeResult(res: ServerResponse, result: HttpResult): void {
  const body = result.body
    ? result.isBase64Encoded
      ? Buffer.from(result.body, 'base64')
      : Buffer.from(result.body, 'utf8')
    : undefined;
  const headers: Record<string, string | string[] | number> = { ...result.headers };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  headers['content-length'] = body?.length ?? 0;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}
