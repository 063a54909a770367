import { beforeAll, describe, expect, it } from 'vitest';
import { handler as apiHandler } from '#handlers/api';
import { handler as redirectHandler } from '#handlers/redirect';
import { ROUTES } from '#shared/routes';
import { setupApp } from '../support/app';
import { httpEvent } from '../support/events';
import { bodyOf, type Json, LINK_FIELDS } from '../support/inspect';

type App = Awaited<ReturnType<typeof setupApp>>;
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Json>>;
  components: Json;
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let app: App;
let doc: Doc;
let link: { id: string; slug: string };

beforeAll(async () => {
  app = await setupApp();
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: { url: 'https://shop.example/openapi', touchpoint: 'openapi', stage: 'awareness' },
  });
  link = bodyOf(res);
  doc = bodyOf(await apiHandler(httpEvent({ path: '/api/openapi.json' })));
});

describe('GET /api/openapi.json', () => {
  it('is public JSON', async () => {
    const res = await apiHandler(httpEvent({ path: '/api/openapi.json' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/^application\/json/);
  });

  it('looks like a valid OpenAPI 3.1 document', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path.startsWith('/'), path).toBe(true);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        expect(METHODS, `${path}: ${method}`).toContain(method);
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path} responses`).toBeGreaterThan(0);
        for (const status of Object.keys(op.responses)) expect(status).toMatch(/^([1-5]\d\d|default)$/);
        expect(op.operationId, `${method} ${path}`).toEqual(expect.any(String));
        expect(operationIds.has(op.operationId), `duplicate operationId ${op.operationId}`).toBe(false);
        operationIds.add(op.operationId);
        // Every path template parameter is declared, as a required path parameter.
        const declared = (op.parameters ?? []).filter((p: Json) => p.in === 'path');
        expect(declared.map((p: Json) => p.name).sort(), `${method} ${path}`).toEqual([...templated].sort());
        for (const p of declared) expect(p.required).toBe(true);
        // $refs resolve.
        for (const ref of JSON.stringify(op).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) {
          expect(doc.components.schemas?.[ref[1]!], `${ref[0]}`).toBeDefined();
        }
      }
    }
    expect(doc.components.securitySchemes).toBeDefined();
  });

  it('documents every route of the route table with its method', () => {
    for (const route of ROUTES) {
      if (route.method === 'ANY') continue;
      expect(doc.paths[route.path], `${route.path} is missing`).toBeDefined();
      expect(
        doc.paths[route.path]![route.method.toLowerCase()],
        `${route.method} ${route.path} is missing`,
      ).toBeDefined();
    }
  });

  it('documents the Link shape with every field of the contract', () => {
    const link = doc.components.schemas.Link;
    for (const field of LINK_FIELDS) {
      expect(link.properties, field).toHaveProperty(field);
    }
  });

  it('marks public routes as needing no key, and management routes as needing one', () => {
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    expect(doc.paths['/api/openapi.json']!.get!.security).toEqual([]);
    expect(doc.paths['/{slug}']!.get!.security).toEqual([]);
    const create = doc.paths['/api/links']!.post!;
    expect(create.security === undefined || create.security.length > 0).toBe(true);
    expect(create.requestBody?.content?.['application/json']?.schema).toBeDefined();
  });

  it('every documented path and method is answered by the server (no 404 "no route", no 405)', async () => {
    const values: Record<string, string> = {
      id: link.id,
      journey: 'default',
      asset: 'index.html',
      slug: link.slug,
    };
    const checked: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
      for (const method of Object.keys(item)) {
        const isRedirect = ROUTES.some((r) => r.path === path && r.fn === 'redirect');
        const body =
          method === 'post' && path === '/api/links'
            ? { url: 'https://shop.example/o', touchpoint: 'openapi', stage: 'awareness' }
            : method === 'post' || method === 'put' || method === 'patch'
              ? {}
              : undefined;
        const event = httpEvent({
          method: method.toUpperCase(),
          path: concrete,
          key: app.adminKey,
          body,
          ...(isRedirect
            ? { pathParameters: { slug: link.slug }, routeKey: `${method.toUpperCase()} ${path}` }
            : {}),
        });
        const res = await (isRedirect ? redirectHandler(event) : apiHandler(event));
        const error = res.statusCode && res.statusCode >= 400 ? bodyOf(res).error : undefined;
        expect(res.statusCode, `${method} ${concrete}: ${res.body?.slice(0, 200)}`).not.toBe(405);
        expect(res.statusCode, `${method} ${concrete}: ${res.body?.slice(0, 200)}`).not.toBe(500);
        if (res.statusCode === 404)
          expect(error?.message ?? '', `${method} ${concrete}`).not.toMatch(/no API route|Nothing answers/i);
        checked.push(`${method} ${path}`);
      }
    }
    expect(checked.length).toBe(ROUTES.filter((r) => r.method !== 'ANY').length);
  });

  it('the API answers nothing that is not documented: an undocumented path is a 404 JSON error', async () => {
    const res = await app.api({ path: '/api/links/x/y/z' });
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).error.code).toBe('not_found');
  });
});
