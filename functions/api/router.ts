import { MethodNotAllowedError, NotFoundError } from '../shared/errors';
import { safeDecode } from '../shared/http';
import { ROUTES } from '../shared/routes';

export interface RouteMatch<T> {
  action: T;
  params: Record<string, string>;
  routeKey: string;
}

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
      const m = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]!);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), names };
}

/**
 * A small router over the shared route table, so the API function answers exactly the routes the
 * stack creates. Specific routes win over `{proxy+}`; a known path with another method is a 405.
 */
export function createRouter<T>(fn: string, actions: Record<string, T>) {
  const compiled: CompiledRoute<T>[] = [];
  for (const route of ROUTES) {
    if (route.fn !== fn || route.method === 'ANY') continue;
    const routeKey = `${route.method} ${route.path}`;
    const action = actions[routeKey];
    if (!action) throw new Error(`No action for route ${routeKey}`);
    compiled.push({ method: route.method, routeKey, action, ...compileRoutePath(route.path) });
  }
  return (method: string, path: string): RouteMatch<T> => {
    let pathMatched = false;
    for (const route of compiled) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1]!);
      });
      return { action: route.action, params, routeKey: route.routeKey };
    }
    if (pathMatched) throw new MethodNotAllowedError(`${method} is not supported on ${path}.`);
    throw new NotFoundError(`There is no API route ${method} ${path}. See /api/openapi.json.`);
  };
}
