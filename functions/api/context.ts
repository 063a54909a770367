import type { Permission } from '../auth/model';
import { authenticate, authorize, type Principal } from '../auth/service';
import { viewerOf } from '../redirect/viewer';
import { config } from '../shared/config';
import { type HttpEvent, type HttpResult, header, queryOf, readJsonBody } from '../shared/http';

/** Who is calling, for the failed-key limiter: the same trust rules as the redirect's (ADR 0028). */
function clientOf(event: HttpEvent): string {
  return viewerOf(
    (name) => header(event, name),
    event.requestContext.http.sourceIp,
    config().trustEdgeHeaders,
  ).address;
}

/** What an API action gets: the request, its path parameters, and helpers that read it safely. */
export interface ApiContext {
  event: HttpEvent;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: () => unknown;
  principal: Principal | null;
}

export interface ApiAction {
  /** null: public (health, OpenAPI, dashboard assets). */
  permission: Permission | null;
  run: (ctx: ApiContext) => Promise<HttpResult>;
}

export async function buildContext(
  event: HttpEvent,
  params: Record<string, string>,
  permission: Permission | null,
): Promise<ApiContext> {
  let principal: Principal | null = null;
  if (permission) {
    principal = await authenticate(header(event, 'authorization'), clientOf(event));
    authorize(principal, permission);
  }
  return { event, params, query: queryOf(event), body: () => readJsonBody(event), principal };
}
