import type { PendingClickWrite } from '#clicks/service';
import { redirect } from '#redirect/service';
import { type HttpEvent, type HttpResult, header, safeDecode, toHttpError } from '#shared/http';
import { bindToRequestScope, withRequestScope } from '#shared/log';
import { flushMetrics, recordMetric, useMetricsService } from '#shared/metrics';

useMetricsService('redirect');

/** A redirect's answer and the click write to run once that answer is sent (ADR 0027). */
export interface RespondFirst {
  response: HttpResult;
  afterResponse: PendingClickWrite | null;
}

/**
 * GET|HEAD /{slug}, up to the response: parse the request, call the redirect core, map the result. The
 * three ways the redirect is served share it: the streaming function URL (redirect-url.ts, production),
 * the local server (both send the 302, then write the click) and the HTTP API handler below.
 * Function URL events have the same (payload 2.0) shape as HTTP API events.
 */
export function respondToRedirect(event: HttpEvent, context?: unknown): Promise<RespondFirst> {
  return withRequestScope(event, context, () => respond(event));
}

async function respond(event: HttpEvent): Promise<RespondFirst> {
  const started = performance.now();
  try {
    const method = event.requestContext.http.method === 'HEAD' ? 'HEAD' : 'GET';
    const result = await redirect({
      method,
      host: header(event, 'host'),
      slug: safeDecode(event.pathParameters?.slug ?? event.rawPath.slice(1)),
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers: (name) => header(event, name),
      cookies: event.cookies,
      sourceIp: event.requestContext.http.sourceIp,
      now: new Date(),
    });
    recordMetric.timeTo302(performance.now() - started);
    const { clickWrite } = result;
    return {
      response: {
        statusCode: 302,
        // No Referrer-Policy: the browser's default (strict-origin-when-cross-origin) applies (ADR 0026).
        headers: { location: result.location, 'cache-control': 'no-store', 'x-robots-tag': 'noindex' },
        ...(result.setCookie ? { cookies: [result.setCookie] } : {}),
        body: '',
      },
      // Run after the answer, outside this call: bound to the request so its log lines name it.
      afterResponse: clickWrite && {
        click: clickWrite.click,
        write: bindToRequestScope(() => clickWrite.write()),
      },
    };
  } catch (err) {
    return { response: toHttpError(err, event), afterResponse: null };
  }
}

/**
 * The HTTP API (API Gateway) redirect: the fallback path. API Gateway sends nothing before the function
 * returns, and a promise left running after the return may never finish (the environment is frozen), so
 * this one waits for the click write before answering. Production serves redirects from the streaming
 * function URL (redirect-url.ts), which answers first.
 */
export async function handler(event: HttpEvent, context?: unknown): Promise<HttpResult> {
  const { response, afterResponse } = await respondToRedirect(event, context);
  await afterResponse?.write();
  flushMetrics();
  return response;
}
