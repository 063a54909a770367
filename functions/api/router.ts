import { MethodNotAllowedError, NotFoundError } from '#shared/errors';
import { safeDecode } from '#shared/http';
import { type ActionRouteKey, type FunctionName, ROUTES } from '#shared/routes';

export interface RouteMatch<T> {
  action: T;
  params: Record<string, string>;
  routeKey: string;
}

/** One action per route of function `F`: the type refuses a missing route and an unknown one. */
export type ActionMap<F extends FunctionName, T> = { readonly [K in ActionRouteKey<F>]: T };

interface CompiledRoute<T> {
  method: string;
  pattern: RegExp;
  names: string[];
  routeKey: string;
  action: T;
}

/** Turns `/api/links/{id}` into a regular expression with named segments (`{proxy+}` is greedy). */
export function compileRoutePath(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const param = /^\{(?<name>\w+)(?<greedy>\+?)\}$/.exec(segment)?.groups;
      if (!param?.name) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param.name);
      return param.greedy ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), names };
}

/**
 * A small router over the shared route table, so the API function answers exactly the routes the
 * stack creates. Specific routes win over `{proxy+}`; a known path with another method is a 405.
 */
export function createRouter<F extends FunctionName, T>(fn: F, actions: ActionMap<F, T>) {
  const byKey: Partial<Record<string, T>> = actions;
  const compiled: CompiledRoute<T>[] = [];
  for (const route of ROUTES) {
    if (route.fn !== fn || route.method === 'ANY') continue;
    const action = byKey[route.key];
    // Unreachable while the action map is typed; kept for maps cast past the type.
    if (!action) throw new Error(`No action for route ${route.key}`);
    compiled.push({ method: route.method, routeKey: route.key, action, ...compileRoutePath(route.path) });
  }
  return (method: string, path: string): RouteMatch<T> => {
    const allowed = new Set<string>();
    // HEAD is GET without the body (RFC 9110 §9.3.2), for paths without a HEAD route of their own.
    const wanted =
      method === 'HEAD' && !compiled.some((r) => r.method === 'HEAD' && r.pattern.test(path))
        ? 'GET'
        : method;
    for (const route of compiled) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      allowed.add(route.method);
      if (route.method === 'GET') allowed.add('HEAD');
      if (route.method !== wanted) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1] ?? '');
      });
      return { action: route.action, params, routeKey: route.routeKey };
    }
    if (allowed.size > 0) {
      const methods = [...allowed].sort();
      throw new MethodNotAllowedError(
        `${method} is not supported on ${path}; use ${methods.join(' or ')}.`,
        methods,
      );
    }
    throw new NotFoundError(`There is no API route ${method} ${path}. See /api/openapi.json.`);
  };
}
