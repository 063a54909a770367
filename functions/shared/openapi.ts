import * as z from 'zod';
import { periodQuerySchema } from '../analytics/period';
import { funnelQuery, linkStatsQuery, touchpointsQuery } from '../api/actions/stats';
import { createKeySchema } from '../auth/model';
import { journeyNameSchema, putJourneySchema } from '../journeys/model';
import { bulkCreateSchema, createLinkSchema, listLinksQuerySchema, updateLinkSchema } from '../links/schema';
import { qrOptionsSchema } from '../qr/model';
import * as responses from './openapi-responses';
import { type DocumentedRouteKey, ROUTES, type RouteKey } from './routes';
import { httpUrlSchema } from './validation';

/**
 * The OpenAPI 3.1 document, generated: paths from the route table (functions/shared/routes.ts), request
 * bodies and query parameters from the zod schemas that validate them at the edge, converted with zod's
 * own z.toJSONSchema (ADR 0050), responses from functions/shared/openapi-responses.ts. Not in any Lambda
 * bundle: `npm run openapi` (scripts/build-openapi.ts) writes functions/api/actions/openapi.json, which
 * the api function serves; test/unit/api/openapi-json.test.ts fails while that file is stale.
 */

type Schema = z.core.$ZodType;
type JsonSchema = Record<string, unknown>;

/**
 * What a refinement checks, which JSON Schema cannot derive from a function: attached by schema identity
 * (zod's metadata registry), so the annotation lives here and the request schemas stay as they are.
 */
const REFINEMENTS = z.registry<JsonSchema>();
REFINEMENTS.add(httpUrlSchema, {
  format: 'uri',
  // zod trims first, and URL schemes are case-insensitive.
  pattern: '^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]',
  description: 'absolute http(s) URL, not on a short domain',
});
REFINEMENTS.add(putJourneySchema.shape.stages, { uniqueItems: true });
REFINEMENTS.add(updateLinkSchema, { minProperties: 1 });
REFINEMENTS.add(periodQuerySchema.shape.from._zod.def.innerType, {
  pattern: '^\\d{4}-\\d{2}-\\d{2}([T ][\\d:.]+(Z|[+-]\\d{2}:?\\d{2})?)?$',
  description: 'a date (2026-11-01) or an ISO date-time (2026-11-01T09:00:00Z), UTC when no offset',
});

/**
 * Adds the descriptions, and documents a query value that a pipe turns into a number (`?limit=25`) as
 * the integer it becomes, with the range the number is checked against, rather than as the digits
 * pattern it arrives as.
 */
function annotate(ctx: { zodSchema: Schema; jsonSchema: JsonSchema }): void {
  // The response schemas' .describe() texts sit in zod's global registry, which `metadata` replaces.
  const description = z.globalRegistry.get(ctx.zodSchema)?.description;
  if (description) ctx.jsonSchema.description ??= description;
  const def = ctx.zodSchema._zod.def;
  if (def.type !== 'pipe' || !('out' in def)) return;
  const out = z.toJSONSchema(def.out as Schema, { io: 'output', unrepresentable: 'any' });
  if (out.type !== 'number' && out.type !== 'integer') return;
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  const { $schema: _, ...rest } = out;
  Object.assign(ctx.jsonSchema, rest, { type: 'integer' });
}

function toJson(schema: Schema): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    metadata: REFINEMENTS,
    override: annotate,
  });
  return json;
}

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });

const COMPONENTS = {
  CreateLink: createLinkSchema,
  UpdateLink: updateLinkSchema,
  BulkCreateLinks: bulkCreateSchema,
  PutJourney: putJourneySchema,
  CreateKey: createKeySchema,
  Link: responses.linkResponse,
  LinkPage: responses.linkPageResponse,
  BulkCreateResult: responses.bulkCreateResponse,
  LinkStats: responses.linkStatsResponse,
  TouchpointTable: responses.touchpointTableResponse,
  Funnel: responses.funnelResponse,
  Journey: responses.journeyResponse,
  JourneyList: responses.journeyListResponse,
  ApiKey: responses.apiKeyResponse,
  CreatedApiKey: responses.createdApiKeyResponse,
  ApiKeyList: responses.apiKeyListResponse,
  Health: responses.healthResponse,
  Error: responses.errorResponse,
} satisfies Record<string, Schema>;
type ComponentName = keyof typeof COMPONENTS;

function components(): Record<ComponentName, JsonSchema> {
  const out = Object.fromEntries(
    Object.entries(COMPONENTS).map(([name, schema]) => [name, toJson(schema)]),
  ) as Record<ComponentName, JsonSchema>;
  // Each link of a bulk request is validated on its own (one bad link does not fail the others), so the
  // edge schema takes unknown items; what each item must be is CreateLink.
  const links = (out.BulkCreateLinks.properties as Record<string, JsonSchema>).links;
  if (links) links.items = ref('CreateLink');
  return out;
}

type QuerySchema = z.core.$ZodObject;
interface Operation {
  summary: string;
  tag: 'system' | 'links' | 'analytics' | 'journeys' | 'keys' | 'redirect';
  body?: ComponentName;
  /** The zod schema the action parses the query with; descriptions add the prose zod does not hold. */
  query?: { schema: QuerySchema; describe: Record<string, string> };
  /** Path parameters checked by a zod schema; the others are opaque strings. */
  pathParams?: Record<string, Schema>;
  ok: { status: number; description: string; body?: ComponentName | 'OpenApi'; csv?: true; media?: string };
  public?: true;
}

const PERIOD = {
  from: 'Start of the period, inclusive. Default: 30 days before `to`.',
  to: 'End of the period, exclusive. Default: now.',
};
const FORMAT = { format: 'json (default) or csv; `Accept: text/csv` also picks CSV' };

/** One operation per route of the table: a route without one, or one without a route, fails the typecheck. */
const OPERATIONS: { [K in DocumentedRouteKey]: Operation } = {
  'GET /healthz': {
    summary: 'Health check',
    tag: 'system',
    ok: { status: 200, description: 'Healthy', body: 'Health' },
    public: true,
  },
  'GET /api/openapi.json': {
    summary: 'This document',
    tag: 'system',
    ok: { status: 200, description: 'OpenAPI document', body: 'OpenApi' },
    public: true,
  },
  'GET /dashboard': {
    summary: 'The web dashboard (HTML)',
    tag: 'system',
    ok: { status: 200, description: 'HTML page', media: 'text/html' },
    public: true,
  },
  'GET /dashboard/{asset}': {
    summary: 'Dashboard static files',
    tag: 'system',
    ok: {
      status: 200,
      description: 'Static file: a page, a script module, a style sheet or an icon',
      media: 'text/html, text/javascript, text/css, image/svg+xml, image/png, application/manifest+json',
    },
    public: true,
  },
  'POST /api/links': {
    summary: 'Create a link for a touchpoint',
    tag: 'links',
    body: 'CreateLink',
    ok: { status: 201, description: 'The link', body: 'Link' },
  },
  'GET /api/links': {
    summary: 'List links, newest first',
    tag: 'links',
    query: {
      schema: listLinksQuerySchema,
      describe: {
        journey: 'Filter by journey',
        stage: 'Filter by stage',
        touchpoint: 'Filter by touchpoint',
        campaign: 'Filter by campaign',
        tag: 'Filter by tag',
        status: 'Filter by stored status',
        limit: 'Page size',
        cursor: 'nextCursor of the previous page',
      },
    },
    ok: { status: 200, description: 'A page of links', body: 'LinkPage' },
  },
  'POST /api/links/bulk': {
    summary: 'Create up to 100 links; each succeeds or fails on its own',
    tag: 'links',
    body: 'BulkCreateLinks',
    ok: {
      status: 201,
      description:
        'One result per link, in order: {link} or {error, status}. 201 when any link was created; when none was, the status the failures share, else 400, with the same body',
      body: 'BulkCreateResult',
    },
  },
  'GET /api/links/{id}': {
    summary: 'Read a link',
    tag: 'links',
    ok: { status: 200, description: 'The link', body: 'Link' },
  },
  'PATCH /api/links/{id}': {
    summary: 'Edit a link (slug and domain are fixed: printed QR codes point at them); null clears a field',
    tag: 'links',
    body: 'UpdateLink',
    ok: { status: 200, description: 'The edited link', body: 'Link' },
  },
  'DELETE /api/links/{id}': {
    summary: 'Archive a link',
    tag: 'links',
    ok: { status: 204, description: 'Archived' },
  },
  'GET /api/links/{id}/qr': {
    summary: "The link's QR code (encodes shortUrl?r=qr)",
    tag: 'links',
    query: {
      schema: qrOptionsSchema,
      describe: {
        format: 'Image format',
        size: 'Width and height in pixels',
        margin: 'Quiet zone in modules',
        fg: 'Foreground colour, hex; needs a contrast of at least 3:1 with bg',
        bg: 'Background colour, hex',
        ecc: 'Error correction level',
      },
    },
    ok: { status: 200, description: 'The QR code', media: 'image/svg+xml, image/png' },
  },
  'GET /api/links/{id}/stats': {
    summary: 'Clicks, scans, unique visitors, bots, series and breakdowns of a link',
    tag: 'analytics',
    query: {
      schema: linkStatsQuery,
      describe: {
        ...PERIOD,
        ...FORMAT,
        interval: 'Series buckets',
        breakdown: 'With CSV: one breakdown instead of the series',
      },
    },
    ok: { status: 200, description: 'Link statistics', body: 'LinkStats', csv: true },
  },
  'GET /api/touchpoints': {
    summary: 'Every touchpoint of a journey with its numbers',
    tag: 'analytics',
    query: { schema: touchpointsQuery, describe: { ...PERIOD, ...FORMAT, journey: 'The journey' } },
    ok: { status: 200, description: 'Touchpoint table', body: 'TouchpointTable', csv: true },
  },
  'GET /api/journeys': {
    summary: 'List journeys',
    tag: 'journeys',
    ok: { status: 200, description: 'Journeys', body: 'JourneyList' },
  },
  'GET /api/journeys/{journey}': {
    summary: 'Read a journey',
    tag: 'journeys',
    pathParams: { journey: journeyNameSchema },
    ok: { status: 200, description: 'The journey', body: 'Journey' },
  },
  'PUT /api/journeys/{journey}': {
    summary: 'Define or redefine a journey (admin)',
    tag: 'journeys',
    pathParams: { journey: journeyNameSchema },
    body: 'PutJourney',
    ok: { status: 200, description: 'The journey', body: 'Journey' },
  },
  'GET /api/journeys/{journey}/funnel': {
    summary: 'Funnel, per-touchpoint progression and bottlenecks',
    tag: 'analytics',
    pathParams: { journey: journeyNameSchema },
    query: { schema: funnelQuery, describe: { ...PERIOD, ...FORMAT, window: 'Conversion window in days' } },
    ok: { status: 200, description: 'Funnel report', body: 'Funnel', csv: true },
  },
  'POST /api/keys': {
    summary: 'Create an API key (admin); the secret is shown once',
    tag: 'keys',
    body: 'CreateKey',
    ok: { status: 201, description: 'The key with its secret', body: 'CreatedApiKey' },
  },
  'GET /api/keys': {
    summary: 'List API keys (admin), without secrets',
    tag: 'keys',
    ok: { status: 200, description: 'Keys', body: 'ApiKeyList' },
  },
  'DELETE /api/keys/{id}': {
    summary: 'Revoke an API key (admin)',
    tag: 'keys',
    ok: { status: 204, description: 'Revoked' },
  },
  'GET /{slug}': {
    summary: 'Redirect (302) to the destination and record the click; ?r=qr marks a scan',
    tag: 'redirect',
    ok: { status: 302, description: 'Redirect to the destination' },
    public: true,
  },
  'HEAD /{slug}': {
    summary: 'Same status as GET; records nothing',
    tag: 'redirect',
    ok: { status: 302, description: 'Redirect to the destination' },
    public: true,
  },
};

const ERROR_CODES: Array<[number, string]> = [
  [400, 'Invalid input'],
  [401, 'Missing or invalid API key'],
  [403, 'The key’s role does not allow this'],
  [404, 'Not found'],
  [409, 'Conflict (slug taken, concurrent edit)'],
  [410, 'Link archived, expired or over its click limit'],
  [413, 'Body over 256 KB'],
  [415, 'Body is not JSON'],
];

function parameters(path: string, op: Operation): JsonSchema[] {
  const inPath = [...path.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => ({
    name,
    in: 'path',
    required: true,
    schema: op.pathParams?.[name] ? toJson(op.pathParams[name]) : { type: 'string' },
  }));
  if (!op.query) return inPath;
  const query = toJson(op.query.schema);
  const required = new Set((query.required as string[] | undefined) ?? []);
  const inQuery = Object.entries((query.properties ?? {}) as Record<string, JsonSchema>).map(
    ([name, schema]) => ({
      name,
      in: 'query',
      ...(required.has(name) ? { required: true } : {}),
      ...(op.query?.describe[name] ? { description: op.query.describe[name] } : {}),
      schema,
    }),
  );
  return [...inPath, ...inQuery];
}

function responsesOf(op: Operation): JsonSchema {
  const { status, description, body, csv, media } = op.ok;
  const content: JsonSchema = {};
  if (body === 'OpenApi') content['application/json'] = { schema: { type: 'object' } };
  else if (body) content['application/json'] = { schema: ref(body) };
  if (csv) content['text/csv'] = { schema: { type: 'string' } };
  for (const type of media?.split(', ') ?? []) content[type] = { schema: { type: 'string' } };
  const out: JsonSchema = { [status]: { description, ...(Object.keys(content).length ? { content } : {}) } };
  for (const [code, text] of ERROR_CODES)
    out[code] = { description: text, content: { 'application/json': { schema: ref('Error') } } };
  return out;
}

function operation(key: DocumentedRouteKey, path: string): JsonSchema {
  const op = OPERATIONS[key];
  return {
    summary: op.summary,
    tags: [op.tag],
    operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
    ...(op.public ? { security: [] } : {}),
    parameters: parameters(path, op),
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } }
      : {}),
    responses: responsesOf(op),
  };
}

const isDocumented = (key: RouteKey): key is DocumentedRouteKey => key in OPERATIONS;

export function openApiDocument(): JsonSchema {
  const paths: Record<string, JsonSchema> = {};
  for (const route of ROUTES) {
    if (!isDocumented(route.key)) continue;
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: operation(route.key, route.path),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Touchpoint API',
      version: '1.0.0',
      description: 'Branded short links and QR codes per touchpoint, with journey funnels and bottlenecks.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: `An API key; its role (${createKeySchema.shape.role.options.join(', ')}) decides what it may do`,
        },
      },
      schemas: components(),
    },
  };
}

/** The document as committed in functions/api/actions/openapi.json (scripts/build-openapi.ts writes it). */
export function openApiJson(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
