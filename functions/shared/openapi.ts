import { ROUTES } from './routes';

/**
 * The OpenAPI document's builder. It is not in the api Lambda: scripts/build-openapi.ts writes its output
 * to functions/api/actions/openapi.json, which the Lambda serves.
 *
 * Request bodies, written out rather than generated with zod's toJSONSchema.
 * test/integration/openapi.test.ts checks these list exactly the fields the zod schemas at the edge accept.
 */
const name = (description: string) => ({
  type: 'string',
  pattern: '^[a-z0-9](?:[a-z0-9._-]{0,78}[a-z0-9])?$',
  description,
});
const httpUrl = {
  type: 'string',
  format: 'uri',
  maxLength: 2048,
  description: 'absolute http(s) URL, not a short domain',
};
const utm = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    ['source', 'medium', 'campaign', 'term', 'content'].map((k) => [k, { type: 'string', maxLength: 200 }]),
  ),
};
const tags = { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 40 } };
const category = { type: 'string', enum: ['digital', 'physical', 'human'] };
const linkFields = {
  url: httpUrl,
  touchpoint: name('where the customer meets the brand, e.g. spring-poster-lobby'),
  stage: name("a stage of the link's journey"),
  journey: { ...name('journey name'), default: 'default' },
  channel: name('social, email, print, web, event, ads, sms, packaging, in-store, …'),
  category,
  campaign: { type: 'string', maxLength: 100 },
  tags,
  utm,
  expiresAt: { type: 'string', format: 'date-time' },
  maxClicks: { type: 'integer', minimum: 1 },
  fallbackUrl: httpUrl,
  trackConversions: {
    type: 'boolean',
    default: false,
    description: 'add tp_cid=<click id> to the destination',
  },
};
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
export const REQUEST_BODIES: Record<string, Record<string, unknown>> = {
  createLink: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'touchpoint', 'stage'],
    properties: {
      ...linkFields,
      slug: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
      domain: { type: 'string', description: 'one of the short domains; default the primary one' },
    },
  },
  updateLink: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      url: httpUrl,
      touchpoint: linkFields.touchpoint,
      stage: linkFields.stage,
      journey: linkFields.journey,
      channel: nullable(linkFields.channel),
      category: nullable(category),
      campaign: nullable(linkFields.campaign),
      tags,
      utm,
      expiresAt: nullable(linkFields.expiresAt),
      maxClicks: nullable(linkFields.maxClicks),
      fallbackUrl: nullable(httpUrl),
      trackConversions: linkFields.trackConversions,
      status: { type: 'string', enum: ['active', 'archived'] },
    },
  },
  bulkCreate: {
    type: 'object',
    additionalProperties: false,
    required: ['links'],
    properties: {
      links: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        items: { $ref: '#/components/schemas/CreateLink' },
      },
    },
  },
  putJourney: {
    type: 'object',
    additionalProperties: false,
    required: ['stages'],
    properties: {
      stages: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: name('stage') },
      description: { type: 'string', maxLength: 500 },
    },
  },
  createKey: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'role'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      role: { type: 'string', enum: ['admin', 'editor', 'viewer', 'tracker'] },
    },
  },
  recordConversion: {
    type: 'object',
    additionalProperties: false,
    required: ['clickId', 'event'],
    properties: {
      clickId: {
        type: 'string',
        minLength: 1,
        maxLength: 64,
        description: 'the tp_cid the landing URL carried',
      },
      event: name('purchase, signup, …'),
      value: { type: 'number', minimum: 0, maximum: 1e12, description: 'at most 2 decimals; with currency' },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      orderId: {
        type: 'string',
        minLength: 1,
        maxLength: 128,
        description: 'the same event + orderId counts once',
      },
      customerId: { type: 'string', minLength: 1, maxLength: 128 },
      at: { type: 'string', format: 'date-time' },
    },
  },
};

/**
 * The OpenAPI 3.1 document served at /api/openapi.json. Paths come from the shared route table (so a
 * route cannot exist undocumented); request bodies are generated from the same zod schemas that
 * validate them.
 */
interface Operation {
  summary: string;
  tag: string;
  body?: keyof typeof REQUEST_BODIES;
  query?: Array<[string, string, Record<string, unknown>]>;
  ok: [number, string, Record<string, unknown>?];
  public?: boolean;
  csv?: boolean;
}

const period: Array<[string, string, Record<string, unknown>]> = [
  [
    'from',
    'Start of the period, inclusive (date or ISO date-time, UTC). Default: 30 days before `to`.',
    { type: 'string' },
  ],
  ['to', 'End of the period, exclusive. Default: now.', { type: 'string' }],
];
const format: [string, string, Record<string, unknown>] = [
  'format',
  'json (default) or csv',
  { type: 'string', enum: ['json', 'csv'] },
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const OPERATIONS: Record<string, Operation> = {
  'GET /healthz': {
    summary: 'Health check',
    tag: 'system',
    ok: [200, 'Healthy', { type: 'object', properties: { status: { const: 'ok' } } }],
    public: true,
  },
  'GET /api/openapi.json': {
    summary: 'This document',
    tag: 'system',
    ok: [200, 'OpenAPI document', { type: 'object' }],
    public: true,
  },
  'GET /dashboard': {
    summary: 'The web dashboard (HTML)',
    tag: 'system',
    ok: [200, 'HTML page'],
    public: true,
  },
  'GET /dashboard/{asset}': {
    summary: 'Dashboard static files',
    tag: 'system',
    ok: [200, 'Static file'],
    public: true,
  },
  'POST /api/links': {
    summary: 'Create a link for a touchpoint',
    tag: 'links',
    body: 'createLink',
    ok: [201, 'The link', ref('Link')],
  },
  'GET /api/links': {
    summary: 'List links, newest first',
    tag: 'links',
    query: [
      ['journey', 'Filter by journey', { type: 'string' }],
      ['stage', 'Filter by stage', { type: 'string' }],
      ['touchpoint', 'Filter by touchpoint', { type: 'string' }],
      ['campaign', 'Filter by campaign', { type: 'string' }],
      ['tag', 'Filter by tag', { type: 'string' }],
      ['status', 'active or archived', { type: 'string', enum: ['active', 'archived'] }],
      ['limit', '1-100, default 25', { type: 'integer', minimum: 1, maximum: 100 }],
      ['cursor', 'nextCursor of the previous page', { type: 'string' }],
    ],
    ok: [
      200,
      'A page of links',
      {
        type: 'object',
        properties: {
          items: { type: 'array', items: ref('Link') },
          nextCursor: { type: ['string', 'null'] },
        },
      },
    ],
  },
  'POST /api/links/bulk': {
    summary: 'Create up to 100 links; each succeeds or fails on its own',
    tag: 'links',
    body: 'bulkCreate',
    ok: [
      201,
      'One result per link, in order: {link} or {error}',
      {
        type: 'object',
        properties: { results: { type: 'array' }, created: { type: 'integer' }, failed: { type: 'integer' } },
      },
    ],
  },
  'GET /api/links/{id}': { summary: 'Read a link', tag: 'links', ok: [200, 'The link', ref('Link')] },
  'PATCH /api/links/{id}': {
    summary: 'Edit a link (slug and domain are fixed)',
    tag: 'links',
    body: 'updateLink',
    ok: [200, 'The edited link', ref('Link')],
  },
  'DELETE /api/links/{id}': { summary: 'Archive a link', tag: 'links', ok: [204, 'Archived'] },
  'GET /api/links/{id}/qr': {
    summary: "The link's QR code (encodes shortUrl?r=qr)",
    tag: 'links',
    query: [
      ['format', 'svg (default) or png', { type: 'string', enum: ['svg', 'png'] }],
      ['size', 'Pixels, 64-2048, default 512', { type: 'integer', minimum: 64, maximum: 2048 }],
      ['margin', 'Quiet zone in modules, 0-16, default 4', { type: 'integer', minimum: 0, maximum: 16 }],
      ['fg', 'Foreground colour, hex', { type: 'string' }],
      ['bg', 'Background colour, hex', { type: 'string' }],
      ['ecc', 'Error correction L, M, Q or H', { type: 'string', enum: ['L', 'M', 'Q', 'H'] }],
    ],
    ok: [200, 'image/svg+xml or image/png'],
  },
  'GET /api/links/{id}/stats': {
    summary: 'Clicks, scans, unique visitors, bots, series and breakdowns of a link',
    tag: 'analytics',
    query: [
      ...period,
      ['interval', 'hour or day (default)', { type: 'string', enum: ['hour', 'day'] }],
      format,
      [
        'breakdown',
        'With format=csv: one breakdown instead of the series',
        { type: 'string', enum: ['country', 'device', 'os', 'browser', 'referrer'] },
      ],
    ],
    ok: [200, 'Link statistics', ref('LinkStats')],
    csv: true,
  },
  'GET /api/touchpoints': {
    summary: 'Every touchpoint of a journey with its numbers',
    tag: 'analytics',
    query: [['journey', 'Journey, default `default`', { type: 'string' }], ...period, format],
    ok: [200, 'Touchpoint table', ref('TouchpointTable')],
    csv: true,
  },
  'GET /api/journeys': {
    summary: 'List journeys',
    tag: 'journeys',
    ok: [
      200,
      'Journeys',
      { type: 'object', properties: { items: { type: 'array', items: ref('Journey') } } },
    ],
  },
  'GET /api/journeys/{journey}': {
    summary: 'Read a journey',
    tag: 'journeys',
    ok: [200, 'The journey', ref('Journey')],
  },
  'PUT /api/journeys/{journey}': {
    summary: 'Define or redefine a journey (admin)',
    tag: 'journeys',
    body: 'putJourney',
    ok: [200, 'The journey', ref('Journey')],
  },
  'GET /api/journeys/{journey}/funnel': {
    summary: 'Funnel, per-touchpoint progression and bottlenecks',
    tag: 'analytics',
    query: [
      ...period,
      ['window', 'Conversion window in days, 1-90, default 30', { type: 'integer', minimum: 1, maximum: 90 }],
      format,
    ],
    ok: [200, 'Funnel report', ref('Funnel')],
    csv: true,
  },
  'POST /api/keys': {
    summary: 'Create an API key (admin); the secret is shown once',
    tag: 'keys',
    body: 'createKey',
    ok: [201, 'The key with its secret', ref('ApiKey')],
  },
  'GET /api/keys': {
    summary: 'List API keys (admin), without secrets',
    tag: 'keys',
    ok: [200, 'Keys', { type: 'object', properties: { items: { type: 'array', items: ref('ApiKey') } } }],
  },
  'DELETE /api/keys/{id}': { summary: 'Revoke an API key (admin)', tag: 'keys', ok: [204, 'Revoked'] },
  'POST /api/conversions': {
    summary:
      'Report a conversion for a tp_cid (admin, editor, tracker); 200 with the first for a repeated event + orderId',
    tag: 'conversions',
    body: 'recordConversion',
    ok: [201, 'The conversion, joined to its click', { type: 'object' }],
  },
  'GET /t.js': {
    summary: "The capture snippet for the customer's site: keeps tp_cid in a first-party cookie",
    tag: 'conversions',
    ok: [200, 'JavaScript'],
    public: true,
  },
  'GET /{slug}': {
    summary: 'Redirect (302) to the destination and record the click; ?r=qr marks a scan',
    tag: 'redirect',
    ok: [302, 'Redirect to the destination'],
    public: true,
  },
  'HEAD /{slug}': {
    summary: 'Same status as GET; records nothing',
    tag: 'redirect',
    ok: [302, 'Redirect to the destination'],
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

const stringOrNull = { type: ['string', 'null'] };
const numberOrNull = { type: ['number', 'null'] };
const SCHEMAS: Record<string, Record<string, unknown>> = {
  CreateLink: REQUEST_BODIES.createLink!,
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
      },
    },
  },
  Link: {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries({
        id: { type: 'string' },
        domain: { type: 'string' },
        slug: { type: 'string' },
        shortUrl: { type: 'string' },
        qrContent: { type: 'string' },
        url: { type: 'string' },
        touchpoint: { type: 'string' },
        stage: { type: 'string' },
        journey: { type: 'string' },
        channel: stringOrNull,
        category: stringOrNull,
        campaign: stringOrNull,
        tags: { type: 'array', items: { type: 'string' } },
        utm: { type: 'object' },
        expiresAt: stringOrNull,
        maxClicks: numberOrNull,
        fallbackUrl: stringOrNull,
        trackConversions: { type: 'boolean' },
        status: { type: 'string', enum: ['active', 'archived', 'expired', 'exhausted'] },
        createdAt: { type: 'string' },
        updatedAt: { type: 'string' },
      }),
    ),
  },
  LinkStats: {
    type: 'object',
    properties: {
      totals: {
        type: 'object',
        properties: {
          clicks: { type: 'integer' },
          scans: { type: 'integer' },
          uniqueVisitors: { type: 'integer' },
          botClicks: { type: 'integer' },
        },
      },
      series: {
        type: 'array',
        items: {
          type: 'object',
          properties: { t: { type: 'string' }, clicks: { type: 'integer' }, scans: { type: 'integer' } },
        },
      },
      breakdowns: {
        type: 'object',
        additionalProperties: {
          type: 'array',
          items: { type: 'object', properties: { value: { type: 'string' }, clicks: { type: 'integer' } } },
        },
      },
    },
  },
  TouchpointTable: {
    type: 'object',
    properties: {
      touchpoints: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            touchpoint: { type: 'string' },
            stage: { type: 'string' },
            links: { type: 'integer' },
            clicks: { type: 'integer' },
            scans: { type: 'integer' },
            uniqueVisitors: { type: 'integer' },
            share: { type: 'number' },
          },
        },
      },
    },
  },
  Funnel: {
    type: 'object',
    properties: {
      stages: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            stage: { type: 'string' },
            visitors: { type: 'integer' },
            progressed: { type: 'integer' },
            conversionRate: numberOrNull,
            dropOff: numberOrNull,
            medianHoursToNext: numberOrNull,
          },
        },
      },
      touchpoints: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            touchpoint: { type: 'string' },
            stage: { type: 'string' },
            visitors: { type: 'integer' },
            progressed: { type: 'integer' },
            progressionRate: numberOrNull,
          },
        },
      },
      bottlenecks: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: ['stage', 'touchpoint', 'low_reach'] },
            stage: { type: 'string' },
            touchpoint: { type: 'string' },
            rate: { type: 'number' },
            baselineRate: { type: 'number' },
            lostVisitors: { type: 'number' },
            pValue: { type: 'number' },
            message: { type: 'string' },
          },
        },
      },
    },
  },
  Journey: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      stages: { type: 'array', items: { type: 'string' } },
      builtIn: { type: 'boolean' },
      description: stringOrNull,
      updatedAt: stringOrNull,
    },
  },
  ApiKey: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', enum: ['admin', 'editor', 'viewer'] },
      createdAt: { type: 'string' },
      lastFour: { type: 'string' },
      key: { type: 'string', description: 'Only in the response to POST' },
    },
  },
};

function operation(routeKey: string, path: string): Record<string, unknown> {
  const op = OPERATIONS[routeKey];
  if (!op) throw new Error(`Route ${routeKey} has no OpenAPI description`);
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const queryParams = (op.query ?? []).map(([name, description, schema]) => ({
    name,
    in: 'query',
    description,
    schema,
  }));
  const [status, description, schema] = op.ok;
  const content: Record<string, unknown> = schema ? { 'application/json': { schema } } : {};
  if (op.csv) content['text/csv'] = { schema: { type: 'string' } };
  const responses: Record<string, unknown> = {
    [status]: { description, ...(Object.keys(content).length ? { content } : {}) },
  };
  for (const [code, text] of ERROR_CODES)
    responses[code] = { description: text, content: { 'application/json': { schema: ref('Error') } } };
  return {
    summary: op.summary,
    tags: [op.tag],
    operationId: routeKey.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
    ...(op.public ? { security: [] } : {}),
    parameters: [...pathParams, ...queryParams],
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: REQUEST_BODIES[op.body],
              },
            },
          },
        }
      : {}),
    responses,
  };
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    if (route.method === 'ANY') continue;
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(`${route.method} ${route.path}`, route.path);
  }
  cached = {
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
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key: admin, editor or viewer' },
      },
      schemas: SCHEMAS,
    },
  };
  return cached;
}

/**
 * The document as committed in functions/api/actions/openapi.json, which the api Lambda serves (this module
 * is not in its bundle). scripts/build-openapi.ts writes it; test/unit/api/openapi-json.test.ts checks it.
 */
export function openApiJson(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
