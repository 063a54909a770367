import type { Permission } from '#auth/model';
import { authenticate, authorize, type Principal } from '#auth/service';
import { viewerOf } from '#redirect/viewer';
import { config } from '#shared/config';
import { type HttpEvent, type HttpResult, header, queryOf, readJsonBody } from '#shared/http';
import type { ApiRouteKey } from '#shared/routes';

/**
 * The parameters a route's path template names, e.g. `{ id: string }` for `/api/links/{id}`: the router
 * only runs an action on a path that matched its template, so each is present. An action shared by
 * several routes (Path = string) gets them as optional.
 */
export type PathParams<Path extends string> = string extends Path
  ? Partial<Record<string, string>>
  : Path extends `${string}{${infer Name}}${infer Rest}`
    ? Record<Name, string> & PathParams<Rest>
    : Record<never, string>;

/** Who is calling, for the failed-key limiter: the same trust rules as the redirect's (ADR 0028). */
function clientOf(event: HttpEvent): string {
  return viewerOf(
    (name) => header(event, name),
    event.requestContext.http.sourceIp,
    config().trustEdgeHeaders,
  ).address;
}

/** What an API action gets: the request, its path parameters, and helpers that read it safely. */
export interface ApiContext<Path extends string = string> {
  event: HttpEvent;
  params: PathParams<Path>;
  query: Record<string, string | undefined>;
  body: () => unknown;
  principal: Principal | null;
}

/** An action for the route(s) with path template `Path` (functions/shared/routes.ts). */
export interface ApiAction<Path extends string = string> {
  /** null: public (health, OpenAPI, dashboard assets). */
  permission: Permission | null;
  run: (ctx: ApiContext<Path>) => Promise<HttpResult>;
}

type PathOf<Key> = Key extends `${string} ${infer Path}` ? Path : never;

/**
 * Every api route of the shared table (functions/shared/routes.ts) with its action: a missing or unknown
 * route fails the typecheck, and an action typed for a path template (`ApiAction<'/api/links/{id}'>`)
 * only fits a route with that template.
 */
export type ApiActions = { readonly [K in ApiRouteKey]: ApiAction<PathOf<K>> };

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
