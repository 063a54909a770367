/**
 * The route table, written once: which function answers which HTTP API route. Everything else is derived
 * from it and typed by its keys, so a route and its users cannot drift apart:
 * - the CDK stack creates exactly these routes (lib/touchpoint-stack.ts);
 * - the local server picks the function by them (bin/local/http-adapter.ts);
 * - the api function's action map must name every `api` route and nothing else (functions/handlers/api.ts,
 *   typed by ApiRouteKey: a missing or extra action fails the typecheck);
 * - the OpenAPI document must describe every route (functions/shared/openapi.ts, typed by DocumentedRouteKey).
 * Paths use API Gateway's `{param}` syntax; a key is API Gateway's route key, `METHOD /path`.
 */
export type FunctionName = 'redirect' | 'api';
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';

export const ROUTE_TABLE = {
  'GET /healthz': 'api',
  // Uptime monitors often check with HEAD; without its own route it would be read as the slug `healthz`.
  'HEAD /healthz': 'api',
  'GET /api/openapi.json': 'api',
  'POST /api/links': 'api',
  'GET /api/links': 'api',
  'POST /api/links/bulk': 'api',
  'GET /api/links/{id}': 'api',
  'PATCH /api/links/{id}': 'api',
  'DELETE /api/links/{id}': 'api',
  'GET /api/links/{id}/qr': 'api',
  'GET /api/links/{id}/stats': 'api',
  'GET /api/touchpoints': 'api',
  'GET /api/journeys': 'api',
  'GET /api/journeys/{journey}': 'api',
  'PUT /api/journeys/{journey}': 'api',
  'GET /api/journeys/{journey}/funnel': 'api',
  'GET /api/journeys/{journey}/attribution': 'api',
  'POST /api/keys': 'api',
  'GET /api/keys': 'api',
  'DELETE /api/keys/{id}': 'api',
  'POST /api/conversions': 'api',
  'GET /t.js': 'api',
  'GET /dashboard': 'api',
  'GET /dashboard/{asset}': 'api',
  'GET /{slug}': 'redirect',
  'HEAD /{slug}': 'redirect',
  // Catch-all so unknown API paths and methods get our JSON error shape instead of API Gateway's. The
  // router answers it with a 404 or 405, so it has no action and no operation in the document.
  'ANY /api/{proxy+}': 'api',
} as const satisfies Record<`${HttpMethod} /${string}`, FunctionName>;

export type RouteKey = keyof typeof ROUTE_TABLE;
/** Routes with an operation of their own: all but the catch-all. */
export type DocumentedRouteKey = Exclude<RouteKey, `ANY ${string}`>;
/** The routes function `F` answers with an action of its own. */
export type ActionRouteKey<F extends FunctionName> = {
  [K in DocumentedRouteKey]: (typeof ROUTE_TABLE)[K] extends F ? K : never;
}[DocumentedRouteKey];
export type ApiRouteKey = ActionRouteKey<'api'>;

export interface RouteSpec {
  key: RouteKey;
  method: HttpMethod;
  path: string;
  fn: FunctionName;
}

function parseKey(key: RouteKey): { method: HttpMethod; path: string } {
  const space = key.indexOf(' ');
  return { method: key.slice(0, space) as HttpMethod, path: key.slice(space + 1) };
}

/** The table as a list, in its order. */
export const ROUTES: readonly RouteSpec[] = (Object.keys(ROUTE_TABLE) as RouteKey[]).map((key) => ({
  key,
  ...parseKey(key),
  fn: ROUTE_TABLE[key],
}));
