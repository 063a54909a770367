import * as conversions from '#api/actions/conversions';
import * as journeys from '#api/actions/journeys';
import * as keys from '#api/actions/keys';
import * as links from '#api/actions/links';
import { linkQrAction } from '#api/actions/qr';
import * as stats from '#api/actions/stats';
import * as system from '#api/actions/system';
import { type ApiAction, type ApiActions, type ApiContext, buildContext } from '#api/context';
import { createRouter } from '#api/router';
import { type HttpEvent, type HttpResult, toHttpError } from '#shared/http';
import { withRequestScope } from '#shared/log';
import { flushMetrics, useMetricsService } from '#shared/metrics';

useMetricsService('api');

/** Every api route with its action (the type is in functions/api/context.ts). */
const actions: ApiActions = {
  'GET /healthz': system.healthAction,
  'HEAD /healthz': system.healthAction,
  'GET /api/openapi.json': system.openApiAction,
  'GET /dashboard': system.dashboardAction,
  'GET /dashboard/{asset}': system.dashboardAction,
  'POST /api/links': links.createLinkAction,
  'GET /api/links': links.listLinksAction,
  'POST /api/links/bulk': links.bulkCreateLinksAction,
  'GET /api/links/{id}': links.getLinkAction,
  'PATCH /api/links/{id}': links.updateLinkAction,
  'DELETE /api/links/{id}': links.archiveLinkAction,
  'GET /api/links/{id}/qr': linkQrAction,
  'GET /api/links/{id}/stats': stats.linkStatsAction,
  'GET /api/touchpoints': stats.touchpointsAction,
  'GET /api/journeys': journeys.listJourneysAction,
  'GET /api/journeys/{journey}': journeys.getJourneyAction,
  'PUT /api/journeys/{journey}': journeys.putJourneyAction,
  'GET /api/journeys/{journey}/funnel': stats.funnelAction,
  'GET /api/journeys/{journey}/attribution': stats.attributionAction,
  'POST /api/keys': keys.createKeyAction,
  'GET /api/keys': keys.listKeysAction,
  'DELETE /api/keys/{id}': keys.revokeKeyAction,
  'POST /api/conversions': conversions.recordConversionAction,
  'GET /t.js': conversions.snippetAction,
};
const route = createRouter<'api', ApiAction<never>>('api', actions);

/** Everything under /api, plus /healthz and the dashboard: route, authenticate, run, map errors. */
export function handler(event: HttpEvent, context?: unknown): Promise<HttpResult> {
  return withRequestScope(event, context, async () => {
    try {
      const { action, params } = route(event.requestContext.http.method, event.rawPath);
      const ctx = await buildContext(event, params, action.permission);
      // The router ran this action because the path matched its route's template: the params it names are there.
      const result = await action.run(ctx as ApiContext<never>);
      // A HEAD answers what GET would, headers only.
      return event.requestContext.http.method === 'HEAD'
        ? { ...result, body: '', isBase64Encoded: false }
        : result;
    } catch (err) {
      return toHttpError(err, event);
    } finally {
      flushMetrics();
    }
  });
}
