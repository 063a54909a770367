import { createServer, type RequestListener, type Server } from 'node:http';
import type { HttpEvent, HttpResult } from '../shared/http';
import { errorBody, json } from '../shared/http';
import type { FunctionName } from '../shared/routes';
import { readBody, selectRoute, toEvent, writeResult } from './http-adapter';

type Handler = (event: HttpEvent) => Promise<HttpResult>;

/** Requests larger than this are refused before buffering; the handlers enforce the 256 KB API limit. */
const HARD_BODY_LIMIT = 10 * 1024 * 1024;

export type Handlers = Record<FunctionName, Handler>;

/**
 * The local HTTP server's request listener: turns each request into the API Gateway v2 event Lambda would
 * get and calls the handler the stack deploys for its route (chosen by the shared route table).
 */
export function requestListener(handlers: Handlers): RequestListener {
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const method = req.method ?? 'GET';
      // `/` and `/dashboard/` lead to the dashboard (its files are linked by absolute paths, one URL).
      if (
        (url.pathname === '/' || url.pathname === '/dashboard/') &&
        (method === 'GET' || method === 'HEAD')
      ) {
        writeResult(res, { statusCode: 302, headers: { location: '/dashboard' }, body: '' });
        return;
      }
      const route = selectRoute(method, url.pathname);
      if (!route) {
        writeResult(res, json(404, errorBody('not_found', `Nothing answers ${method} ${url.pathname}.`)));
        return;
      }
      const { body, tooLarge } = await readBody(req, HARD_BODY_LIMIT);
      if (tooLarge) {
        writeResult(
          res,
          json(413, errorBody('payload_too_large', 'The request body is far over the 256 KB limit.')),
        );
        return;
      }
      const event = toEvent(
        req,
        url,
        body,
        route.routeKey,
        route.slug !== undefined ? { slug: route.slug } : undefined,
      );
      writeResult(res, await handlers[route.fn](event));
    } catch (err) {
      writeResult(res, json(500, errorBody('internal_error', 'The local server failed; see its log.')));
      console.error(err);
    }
  };
}

/** The local HTTP server over the deployed handlers. */
export async function startHttpServer(port: number, host = '127.0.0.1'): Promise<Server> {
  // Imported here, after the environment (DYNAMODB_ENDPOINT, TABLE_NAME) is set by the caller.
  const server = createServer(
    requestListener({
      api: (await import('../handlers/api')).handler,
      redirect: (await import('../handlers/redirect')).handler,
    }),
  );
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
