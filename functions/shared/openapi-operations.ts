import type * as z from 'zod';
import { funnelQuery, linkStatsQuery, touchpointsQuery } from '#api/actions/stats';
import { attributionQuery } from '#attribution/report';
import { journeyNameSchema } from '#journeys/model';
import { listLinksQuerySchema } from '#links/schema';
import { qrOptionsSchema } from '#qr/model';
import type { ComponentName } from './openapi';
import type { DocumentedRouteKey } from './routes';

/**
 * What the OpenAPI document says about each route beyond its schemas: summary, tag, which zod schema
 * parses its body, query and path parameters, and its success response. Typed by the route table, so a
 * route without an operation here, or an operation without a route, fails the typecheck. The schemas are
 * converted in functions/shared/openapi.ts.
 */

type Schema = z.core.$ZodType;
type QuerySchema = z.core.$ZodObject;
export interface Operation {
  summary: string;
  tag: 'system' | 'links' | 'analytics' | 'journeys' | 'keys' | 'conversions' | 'redirect';
  body?: ComponentName;
  /** The zod schema the action parses the query with; descriptions add the prose zod does not hold. */
  query?: { schema: QuerySchema; describe: Record<string, string> };
  /** Path parameters checked by a zod schema; the others are opaque strings. */
  pathParams?: Record<string, Schema>;
  ok: {
    status: number;
    description: string;
    body?: ComponentName | 'OpenApi';
    csv?: true;
    media?: string;
    /** Response headers worth documenting (name → description). */
    headers?: Record<string, string>;
  };
  /** Takes `If-Match` (an ETag from a read of the same resource): 412 when it no longer matches. */
  ifMatch?: true;
  public?: true;
  /** A second success answer (e.g. 200 for a repeat of an idempotent create). */
  alsoOk?: { status: number; description: string; body: ComponentName };
  /** The body of its 4xx answers, when it carries more than the error (default Error). */
  errorBody?: ComponentName;
}

const ETAG = { ETag: "The link's version: send it as If-Match to edit only that version" };
const IF_MATCH = true as const;

const PERIOD = {
  from: 'Start of the period, inclusive. Default: 30 days of whole buckets ending with the one `to` falls in.',
  to: 'End of the period, exclusive. Default: now.',
};
const FORMAT = { format: 'json (default) or csv; `Accept: text/csv` also picks CSV' };

/** One operation per route of the table: a route without one, or one without a route, fails the typecheck. */
export const OPERATIONS: { [K in DocumentedRouteKey]: Operation } = {
  'GET /healthz': {
    summary: 'Health check',
    tag: 'system',
    ok: { status: 200, description: 'Healthy', body: 'Health' },
    public: true,
  },
  'HEAD /healthz': {
    summary: 'Health check for monitors that use HEAD: the same status, no body',
    tag: 'system',
    ok: { status: 200, description: 'Healthy' },
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
    ok: {
      status: 201,
      description: 'The link',
      body: 'Link',
      headers: { ...ETAG, Location: 'The new link: /api/links/{id}' },
    },
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
        status:
          'Filter by the status a person set: active (which includes links closed by their own expiry or click limit: their status reads expired or exhausted) or archived',
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
    errorBody: 'BulkCreateFailed',
  },
  'GET /api/links/{id}': {
    summary: 'Read a link',
    tag: 'links',
    ok: { status: 200, description: 'The link', body: 'Link', headers: ETAG },
  },
  'PATCH /api/links/{id}': {
    summary:
      'Edit a link (slug and domain are fixed: printed QR codes point at them); null clears a field. Without If-Match the fields sent are applied to the current link, whatever else changed meanwhile',
    tag: 'links',
    body: 'UpdateLink',
    ok: { status: 200, description: 'The edited link', body: 'Link', headers: ETAG },
    ifMatch: IF_MATCH,
  },
  'DELETE /api/links/{id}': {
    summary: 'Archive a link',
    tag: 'links',
    ok: { status: 204, description: 'Archived' },
    ifMatch: IF_MATCH,
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
    ok: { status: 200, description: 'The journey, redefined', body: 'Journey' },
    alsoOk: { status: 201, description: 'The journey, created (Location names it)', body: 'Journey' },
  },
  'GET /api/journeys/{journey}/funnel': {
    summary: 'Funnel, per-touchpoint progression and bottlenecks',
    tag: 'analytics',
    pathParams: { journey: journeyNameSchema },
    query: { schema: funnelQuery, describe: { ...PERIOD, ...FORMAT, window: 'Conversion window in days' } },
    ok: { status: 200, description: 'Funnel report', body: 'Funnel', csv: true },
  },
  'GET /api/journeys/{journey}/attribution': {
    summary: 'Credited conversions and revenue per touchpoint under one attribution model',
    tag: 'analytics',
    pathParams: { journey: journeyNameSchema },
    query: {
      schema: attributionQuery,
      describe: {
        ...PERIOD,
        ...FORMAT,
        event: "The conversion event (default: the journey's first goal, else purchase)",
        model: 'first_touch, last_touch, linear, position_based or time_decay',
        lookback: 'Days before a conversion whose touches count: 1, 3, 7, 14, 30 (default), 60 or 90',
      },
    },
    ok: { status: 200, description: 'Attribution report', body: 'Attribution', csv: true },
  },
  'POST /api/conversions': {
    summary:
      'Report a conversion for the tp_cid a landing URL carried (admin, editor, tracker); the same event + orderId again answers 200 with the first, counted once',
    tag: 'conversions',
    body: 'RecordConversion',
    ok: { status: 201, description: 'The conversion, joined to its click and visitor', body: 'Conversion' },
    alsoOk: {
      status: 200,
      description: 'A repeat of event + orderId: the first conversion',
      body: 'Conversion',
    },
  },
  'GET /t.js': {
    summary: "The capture snippet for the customer's site: keeps tp_cid in a first-party cookie",
    tag: 'conversions',
    ok: { status: 200, description: 'JavaScript', media: 'text/javascript' },
    public: true,
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

export const ERROR_CODES: Array<[number, string]> = [
  [400, 'Invalid input'],
  [401, 'Missing or invalid API key'],
  [403, 'The key’s role does not allow this'],
  [404, 'Not found'],
  [409, 'Conflict (slug taken, a write that kept losing to concurrent ones)'],
  [410, 'Link archived, expired or over its click limit'],
  [412, 'If-Match names a version that is no longer current'],
  [413, 'Body over 256 KB'],
  [415, 'Body is not UTF-8 JSON, or is compressed'],
  [429, 'Too many failed keys from this address; see Retry-After'],
  [503, 'The database did not answer in time or is busy; see Retry-After'],
];
