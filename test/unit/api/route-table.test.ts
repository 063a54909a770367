import { describe, expect, it } from 'vitest';
import { getLinkAction } from '#api/actions/links';
import type { ApiActions } from '#api/context';
import { type ActionMap, createRouter } from '#api/router';
import { openApiDocument } from '#shared/openapi';
import { ROUTE_TABLE, ROUTES } from '#shared/routes';

/**
 * The route table is written once (functions/shared/routes.ts); the api action map and the OpenAPI
 * operations are typed by its keys. The @ts-expect-error lines below are checked by `npm run typecheck`:
 * if a map with a missing or an unknown route stopped being a type error, tsc would report the unused
 * directive.
 */
const redirectOnly: ActionMap<'redirect', string> = { 'GET /{slug}': 'get', 'HEAD /{slug}': 'head' };

// @ts-expect-error a route of the table without an action
const missing: ActionMap<'redirect', string> = { 'GET /{slug}': 'get' };

const unknown: ActionMap<'redirect', string> = {
  ...redirectOnly,
  // @ts-expect-error an action for a route the table does not have
  'POST /{slug}': 'post',
};

// An action that reads `{id}` only fits a route whose path names `{id}`.
const listing: Pick<ApiActions, 'GET /api/links'> = {
  // @ts-expect-error an action for /api/links/{id} on a route without {id}
  'GET /api/links': getLinkAction,
};
const reading: Pick<ApiActions, 'GET /api/links/{id}'> = { 'GET /api/links/{id}': getLinkAction };

describe('the route table', () => {
  it('lists each route once, in API Gateway route-key form', () => {
    expect(ROUTES.map((r) => r.key)).toEqual(Object.keys(ROUTE_TABLE));
    for (const r of ROUTES) expect(`${r.method} ${r.path}`).toBe(r.key);
  });

  it('gives a router exactly its function’s routes', () => {
    const route = createRouter('redirect', redirectOnly);
    expect(route('HEAD', '/abc')).toMatchObject({ action: 'head', params: { slug: 'abc' } });
    expect(() => route('POST', '/abc')).toThrow(/not supported/);
    expect(() => route('GET', '/api/links')).toThrow(/no API route/);
  });

  it('refuses at start-up an action map that was cast past the type', () => {
    expect(() => createRouter('redirect', missing)).toThrow('No action for route HEAD /{slug}');
    expect(unknown['POST /{slug}' as keyof typeof unknown]).toBe('post');
    expect([listing['GET /api/links'], reading['GET /api/links/{id}']]).toEqual([
      getLinkAction,
      getLinkAction,
    ]);
  });

  it('is what the OpenAPI document describes, operation for operation', () => {
    const documented = Object.entries(openApiDocument().paths as Record<string, object>).flatMap(
      ([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      ROUTES.filter((r) => r.method !== 'ANY')
        .map((r) => r.key)
        .sort(),
    );
  });
});
