import '#shared/zod-locale';
import * as z from 'zod/mini';
import { periodQuerySchema } from '#analytics/period';
import { funnel, linkStats, touchpointTable } from '#analytics/stats-service';
import type { ApiAction, ApiContext } from '#api/context';
import { attributionQuery, attributionReport } from '#attribution/report';
import { journeyNameSchema } from '#journeys/model';
import { BREAKDOWN_DIMENSIONS } from '#shared/counter-items';
import { toCsv } from '#shared/csv';
import { type HttpResult, header, json, parseWith } from '#shared/http';
import { queryIntegerSchema } from '#shared/validation';

const formatSchema = z.optional(z.enum(['json', 'csv']));

// The period fields first, then each route's own; unknown parameters are rejected.
export const linkStatsQuery = z.strictObject({
  ...periodQuerySchema.shape,
  interval: z._default(z.enum(['hour', 'day']), 'day'),
  format: formatSchema,
  breakdown: z.optional(z.enum(BREAKDOWN_DIMENSIONS)),
});

export const touchpointsQuery = z.strictObject({
  ...periodQuerySchema.shape,
  journey: z._default(journeyNameSchema, 'default'),
  format: formatSchema,
});

export const funnelQuery = z.strictObject({
  ...periodQuerySchema.shape,
  window: queryIntegerSchema(1, 90, 30),
  format: formatSchema,
});

/** `?format=csv` or `Accept: text/csv` picks CSV; JSON otherwise. */
function wantsCsv(ctx: ApiContext, format: string | undefined): boolean {
  if (format) return format === 'csv';
  return (header(ctx.event, 'accept') ?? '').split(',')[0]?.trim().startsWith('text/csv') ?? false;
}

function csv(filename: string, body: string): HttpResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
    },
    body,
  };
}

export const linkStatsAction: ApiAction<'/api/links/{id}/stats'> = {
  permission: 'read',
  run: async (ctx) => {
    const q = parseWith(linkStatsQuery, ctx.query, 'query parameter');
    const stats = await linkStats(ctx.params.id, q);
    if (!wantsCsv(ctx, q.format)) return json(200, stats);
    const dimension = q.breakdown;
    if (dimension) {
      return csv(
        `link-${stats.linkId}-${dimension}.csv`,
        toCsv(
          [dimension, 'clicks'],
          stats.breakdowns[dimension].map((r) => ({ [dimension]: r.value, clicks: r.clicks })),
        ),
      );
    }
    return csv(`link-${stats.linkId}-${q.interval}.csv`, toCsv(['t', 'clicks', 'scans'], stats.series));
  },
};

export const touchpointsAction: ApiAction = {
  permission: 'read',
  run: async (ctx) => {
    const q = parseWith(touchpointsQuery, ctx.query, 'query parameter');
    const table = await touchpointTable(q.journey, q);
    if (!wantsCsv(ctx, q.format)) return json(200, table);
    const columns = ['touchpoint', 'stage', 'links', 'clicks', 'scans', 'uniqueVisitors', 'share'];
    return csv(`touchpoints-${table.journey}.csv`, toCsv(columns, table.touchpoints as never));
  },
};

export const funnelAction: ApiAction<'/api/journeys/{journey}/funnel'> = {
  permission: 'read',
  run: async (ctx) => {
    const name = parseWith(journeyNameSchema, ctx.params.journey, 'journey name');
    const q = parseWith(funnelQuery, ctx.query, 'query parameter');
    const report = await funnel(name, q);
    if (!wantsCsv(ctx, q.format)) return json(200, report);
    const columns = [
      'section',
      'stage',
      'touchpoint',
      'visitors',
      'progressed',
      'rate',
      'dropOff',
      'medianHoursToNext',
      'message',
    ];
    const rows = [
      ...report.stages.map((s) => ({ section: s.goal ? 'goal' : 'stage', ...s, rate: s.conversionRate })),
      ...report.touchpoints.map((t) => ({ section: 'touchpoint', ...t, rate: t.progressionRate })),
      ...report.bottlenecks.map((b) => ({ section: `bottleneck:${b.kind}`, ...b })),
    ];
    return csv(`funnel-${report.journey}.csv`, toCsv(columns, rows));
  },
};

export const attributionAction: ApiAction<'/api/journeys/{journey}/attribution'> = {
  permission: 'read',
  run: async (ctx) => {
    const name = parseWith(journeyNameSchema, ctx.params.journey, 'journey name');
    const q = parseWith(attributionQuery, ctx.query, 'query parameter');
    const report = await attributionReport(name, q);
    if (!wantsCsv(ctx, q.format)) return json(200, report);
    // One row per touchpoint and currency (a touchpoint without revenue has one row with empty revenue).
    const rows = report.touchpoints.flatMap((t): Array<Record<string, unknown>> => {
      const money = Object.entries(t.revenue);
      const base = { touchpoint: t.touchpoint, stage: t.stage, conversions: t.conversions };
      return money.length === 0
        ? [{ ...base, currency: '', revenue: '' }]
        : money.map(([currency, revenue]) => ({ ...base, currency, revenue }));
    });
    return csv(
      `attribution-${report.journey}-${report.event}-${report.model}.csv`,
      toCsv(['touchpoint', 'stage', 'conversions', 'currency', 'revenue'], rows),
    );
  },
};
