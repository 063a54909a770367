import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { compileRoutePath } from '#api/router';
import type { Json } from './inspect';

/**
 * Checks real HTTP traffic against the committed OpenAPI document (functions/api/actions/openapi.json),
 * with ajv for the JSON Schema 2020-12 its schemas are written in. A request the server accepted (2xx)
 * must be valid per the document: the document may not refuse what the API takes. A response must have
 * a documented status and, when JSON, match that status's schema.
 */

export interface Exchange {
  method: string;
  /** Path and query, e.g. `/api/links?limit=5`. */
  url: string;
  requestBody?: string;
  status: number;
  contentType: string | null;
  responseBody: string;
}

const document: Json = JSON.parse(
  readFileSync(new URL('../../functions/api/actions/openapi.json', import.meta.url), 'utf8'),
);

/** The formats the document uses; ajv leaves formats to plugins, and these two are all it needs. */
function newAjv(options: { coerceTypes?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, ...options });
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)) && value.includes('T'));
  ajv.addSchema({ $id: 'doc', components: document.components });
  return ajv;
}
const ajv = newAjv();
// Query values arrive as strings; `limit=5` is checked as the integer the document says it is.
const queryAjv = newAjv({ coerceTypes: true });

/** Document `$ref`s point at `#/components/...`; inside ajv the document is the schema `doc`. */
const rebase = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));

const compiled = new Map<string, ValidateFunction>();
function validator(key: string, schema: unknown, instance = ajv): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    fn = instance.compile(rebase(schema) as object);
    compiled.set(key, fn);
  }
  return fn;
}

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'];
/** Exact paths before templated ones, as API Gateway picks. */
const operations = Object.entries(document.paths as Record<string, Json>)
  .flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((method) => ({ path, method, op: item[method] as Json, pattern: compileRoutePath(path).pattern })),
  )
  .sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));

export function findOperation(method: string, pathname: string) {
  return operations.find((o) => o.method === method.toLowerCase() && o.pattern.test(pathname));
}

const errorsOf = (fn: ValidateFunction) =>
  (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);

/** What is wrong with this exchange per the document; empty when nothing is. */
export function contractViolations(exchange: Exchange): string[] {
  const url = new URL(exchange.url, 'http://x');
  const found = findOperation(exchange.method, url.pathname);
  const where = `${exchange.method} ${exchange.url} → ${exchange.status}`;
  if (!found) return exchange.status === 404 || exchange.status === 405 ? [] : [`${where}: no operation`];
  const { op, path, method } = found;
  const id = `${method} ${path}`;
  const problems: string[] = [];

  if (exchange.status >= 200 && exchange.status < 300) {
    const params = (op.parameters ?? []) as Json[];
    const query = params.filter((p) => p.in === 'query');
    const querySchema = {
      type: 'object',
      properties: Object.fromEntries(query.map((p) => [p.name, p.schema])),
      required: query.filter((p) => p.required).map((p) => p.name),
      additionalProperties: false,
    };
    const queryCheck = validator(`query ${id}`, querySchema, queryAjv);
    if (!queryCheck(Object.fromEntries(url.searchParams)))
      problems.push(`${where}: query ${errorsOf(queryCheck).join('; ')}`);
    const bodySchema = op.requestBody?.content?.['application/json']?.schema;
    if (bodySchema && exchange.requestBody !== undefined) {
      const check = validator(`request ${id}`, bodySchema);
      if (!check(JSON.parse(exchange.requestBody)))
        problems.push(`${where}: request body ${errorsOf(check).join('; ')}`);
    }
  }

  const response = op.responses?.[String(exchange.status)];
  if (!response) return [...problems, `${where}: status ${exchange.status} is not documented`];
  const media = exchange.contentType?.split(';')[0]?.trim() ?? '';
  const content = response.content as Json | undefined;
  if (!content) {
    if (exchange.responseBody !== '') problems.push(`${where}: a body where the document has none`);
    return problems;
  }
  if (!content[media] && exchange.method !== 'HEAD')
    return [...problems, `${where}: ${media || 'no content type'} is not documented`];
  const schema = content[media]?.schema;
  if (media === 'application/json' && schema && exchange.method !== 'HEAD') {
    const check = validator(`response ${id} ${exchange.status}`, schema);
    if (!check(JSON.parse(exchange.responseBody)))
      problems.push(`${where}: response ${errorsOf(check).join('; ')}`);
  }
  return problems;
}

/** Every operation of the document, as `get /api/links/{id}`. */
export function documentedOperations(): string[] {
  return operations.map((o) => `${o.method} ${o.path}`);
}

/**
 * Wraps the global fetch so every exchange with `base` is recorded (bodies read from a clone, so the
 * test reads its own response untouched). Returns the records and a function that restores fetch.
 */
export function recordTraffic(base: () => string): { exchanges: Exchange[]; restore: () => void } {
  const original = globalThis.fetch;
  const exchanges: Exchange[] = [];
  globalThis.fetch = async (input, init) => {
    const response = await original(input, init);
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (href.startsWith(base())) {
      const url = new URL(href);
      exchanges.push({
        method: (init?.method ?? 'GET').toUpperCase(),
        url: `${url.pathname}${url.search}`,
        requestBody: typeof init?.body === 'string' ? init.body : undefined,
        status: response.status,
        contentType: response.headers.get('content-type'),
        responseBody: await response.clone().text(),
      });
    }
    return response;
  };
  return { exchanges, restore: () => (globalThis.fetch = original) };
}

/** ajv's verdict on `value` against one schema of the document's components. */
export function matchesComponent(name: string, value: unknown): boolean {
  return validator(`component ${name}`, { $ref: `#/components/schemas/${name}` })(value);
}
