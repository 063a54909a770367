import * as z from 'zod';
import { INSTANT_PATTERN, periodQuerySchema } from '#analytics/period';
import { createKeySchema } from '#auth/model';
import { recordConversionSchema } from '#conversions/model';
import { putJourneySchema } from '#journeys/model';
import { bulkCreateSchema, createLinkSchema, updateLinkSchema } from '#links/schema';
import { ERROR_CODES, OPERATIONS, type Operation } from './openapi-operations';
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
  pattern: '^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s\\\\][^\\\\]*$',
  description: 'absolute http(s) URL, not on a short domain',
});
REFINEMENTS.add(putJourneySchema.shape.stages, { uniqueItems: true });
REFINEMENTS.add(updateLinkSchema, { minProperties: 1 });
REFINEMENTS.add(periodQuerySchema.shape.from._zod.def.innerType, {
  pattern: INSTANT_PATTERN.source,
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
  RecordConversion: recordConversionSchema,
  Conversion: responses.conversionResponse,
  Link: responses.linkResponse,
  LinkPage: responses.linkPageResponse,
  BulkCreateResult: responses.bulkCreateResponse,
  BulkCreateFailed: responses.bulkCreateFailedResponse,
  LinkStats: responses.linkStatsResponse,
  TouchpointTable: responses.touchpointTableResponse,
  Funnel: responses.funnelResponse,
  Attribution: responses.attributionResponse,
  Journey: responses.journeyResponse,
  JourneyList: responses.journeyListResponse,
  ApiKey: responses.apiKeyResponse,
  CreatedApiKey: responses.createdApiKeyResponse,
  ApiKeyList: responses.apiKeyListResponse,
  Health: responses.healthResponse,
  Error: responses.errorResponse,
} satisfies Record<string, Schema>;
export type ComponentName = keyof typeof COMPONENTS;

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

function parameters(path: string, op: Operation): JsonSchema[] {
  const inPath = [...path.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => ({
    name,
    in: 'path',
    required: true,
    schema: op.pathParams?.[name] ? toJson(op.pathParams[name]) : { type: 'string' },
  }));
  const ifMatch = op.ifMatch
    ? [
        {
          name: 'If-Match',
          in: 'header',
          description:
            'An ETag of the link (from GET, POST or PATCH): the write applies only to that version, else 412',
          schema: { type: 'string' },
        },
      ]
    : [];
  if (!op.query) return [...inPath, ...ifMatch];
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
  return [...inPath, ...inQuery, ...ifMatch];
}

function responsesOf(op: Operation): JsonSchema {
  const { status, description, body, csv, media, headers } = op.ok;
  const content: JsonSchema = {};
  if (body === 'OpenApi') content['application/json'] = { schema: { type: 'object' } };
  else if (body) content['application/json'] = { schema: ref(body) };
  if (csv) content['text/csv'] = { schema: { type: 'string' } };
  for (const type of media?.split(', ') ?? []) content[type] = { schema: { type: 'string' } };
  const out: JsonSchema = {
    [status]: {
      description,
      ...(headers
        ? {
            headers: Object.fromEntries(
              Object.entries(headers).map(([name, text]) => [
                name,
                { description: text, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(Object.keys(content).length ? { content } : {}),
    },
  };
  if (op.alsoOk) {
    out[op.alsoOk.status] = {
      description: op.alsoOk.description,
      content: { 'application/json': { schema: ref(op.alsoOk.body) } },
    };
  }
  // An operation whose 4xx may carry more (a bulk create where nothing was created) documents both shapes.
  const error = op.errorBody ? { anyOf: [ref('Error'), ref(op.errorBody)] } : ref('Error');
  for (const [code, text] of ERROR_CODES)
    out[code] = {
      description: text,
      content: { 'application/json': { schema: error } },
    };
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
