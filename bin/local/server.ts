import { createServer, type RequestListener, type Server } from 'node:http';
import type { RespondFirst } from '#handlers/redirect';
import type { HttpEvent, HttpResult } from '#shared/http';
import { errorBody, json } from '#shared/http';
import { ClickWritesInFlight } from './click-writes';
import { readBody, selectRoute, toEvent, writeResult } from './http-adapter';

type Handler = (event: HttpEvent) => Promise<HttpResult>;

/** Requests larger than this are refused before buffering; the handlers enforce the 256 KB API limit. */
const HARD_BODY_LIMIT = 10 * 1024 * 1024;

/** Click writes a local server keeps running after their 302s before it holds new answers back. */
export const DEFAULT_MAX_CLICK_WRITES_IN_FLIGHT = 64;

/**
 * The handlers by route. The redirect's may answer first and leave work for after the response
 * (`respondToRedirect`, as the streaming function URL does in production); a plain handler works too.
 */
export interface Handlers {
  api: Handler;
  redirect: (event: HttpEvent) => Promise<HttpResult | RespondFirst>;
}

const isRespondFirst = (out: HttpResult | RespondFirst): out is RespondFirst => 'response' in out;

/**
 * The local HTTP server's request listener: turns each request into the API Gateway v2 event Lambda would
 * get and calls the handler the stack deploys for its route (chosen by the shared route table). A
 * redirect's click write runs after its response is sent; past the bound of `clickWrites`, the answer
 * waits for an earlier write to end first.
 */
export function requestListener(
  handlers: Handlers,
  clickWrites = new ClickWritesInFlight(DEFAULT_MAX_CLICK_WRITES_IN_FLIGHT),
): RequestListener {
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
      const out = await handlers[route.fn](event);
      if (!isRespondFirst(out)) {
        writeResult(res, out);
        return;
      }
      if (!out.afterResponse) {
        writeResult(res, out.response);
        return;
      }
      const slot = clickWrites.takeSlot();
      if (slot) await slot; // back-pressure: an earlier write has to end first
      try {
        writeResult(res, out.response);
      } finally {
        clickWrites.start(out.afterResponse);
      }
    } catch (err) {
      writeResult(res, json(500, errorBody('internal_error', 'The local server failed; see its log.')));
      console.error(err);
    }
  };
}

export interface LocalHttpServer {
  server: Server;
  /** The redirects' click writes still running after their responses. */
  clickWrites: ClickWritesInFlight;
}

/**
 * The local HTTP server over the deployed handlers. The redirect answers before its click write, like
 * the streaming function URL in production (docs/design.md, "Front door in production").
 */
export async function startHttpServer(
  port: number,
  host = '127.0.0.1',
  maxClickWritesInFlight = DEFAULT_MAX_CLICK_WRITES_IN_FLIGHT,
): Promise<LocalHttpServer> {
  // Imported here, after the environment (DYNAMODB_ENDPOINT, TABLE_NAME) is set by the caller.
  const clickWrites = new ClickWritesInFlight(maxClickWritesInFlight);
  const server = createServer(
    requestListener(
      {
        api: (await import('#handlers/api')).handler,
        redirect: (await import('#handlers/redirect')).respondToRedirect,
      },
      clickWrites,
    ),
  );
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, clickWrites };
}
