/**
 * The route table: which function answers which HTTP API route. The CDK stack creates exactly these
 * routes, the local server dispatches by them, and the OpenAPI test checks each one is documented.
 * Paths use API Gateway's `{param}` syntax.
 */
export type FunctionName = 'redirect' | 'api';
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';

export interface RouteSpec {
  method: HttpMethod;
  path: string;
  fn: FunctionName;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/healthz', fn: 'api' },
  { method: 'GET', path: '/api/openapi.json', fn: 'api' },
  { method: 'POST', path: '/api/links', fn: 'api' },
  { method: 'GET', path: '/api/links', fn: 'api' },
  { method: 'POST', path: '/api/links/bulk', fn: 'api' },
  { method: 'GET', path: '/api/links/{id}', fn: 'api' },
  { method: 'PATCH', path: '/api/links/{id}', fn: 'api' },
  { method: 'DELETE', path: '/api/links/{id}', fn: 'api' },
  { method: 'GET', path: '/api/links/{id}/qr', fn: 'api' },
  { method: 'GET', path: '/api/links/{id}/stats', fn: 'api' },
  { method: 'GET', path: '/api/touchpoints', fn: 'api' },
  { method: 'GET', path: '/api/journeys', fn: 'api' },
  { method: 'GET', path: '/api/journeys/{journey}', fn: 'api' },
  { method: 'PUT', path: '/api/journeys/{journey}', fn: 'api' },
  { method: 'GET', path: '/api/journeys/{journey}/funnel', fn: 'api' },
  { method: 'POST', path: '/api/keys', fn: 'api' },
  { method: 'GET', path: '/api/keys', fn: 'api' },
  { method: 'DELETE', path: '/api/keys/{id}', fn: 'api' },
  { method: 'POST', path: '/api/conversions', fn: 'api' },
  { method: 'GET', path: '/t.js', fn: 'api' },
  { method: 'GET', path: '/dashboard', fn: 'api' },
  { method: 'GET', path: '/dashboard/{asset}', fn: 'api' },
  { method: 'GET', path: '/{slug}', fn: 'redirect' },
  { method: 'HEAD', path: '/{slug}', fn: 'redirect' },
  // Catch-all so unknown API paths and methods get our JSON error shape instead of API Gateway's.
  { method: 'ANY', path: '/api/{proxy+}', fn: 'api' },
];
