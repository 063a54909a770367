import type { HttpEvent } from '#shared/http';
import { flushMetrics } from '#shared/metrics';
import { httpResponseStream, streamifyResponse } from './lambda-streaming';
import { respondToRedirect } from './redirect';

/**
 * GET|HEAD /{slug} on the Lambda function URL with response streaming, behind CloudFront (docs/design.md,
 * "Front door in production"; ADR 0027): the 302 is written and the stream ended first, so the customer
 * is on their way, and then the click write is awaited within the same invocation — from Node.js 24 on,
 * Lambda no longer waits for promises still running after the handler returns.
 */
export const handler = streamifyResponse<HttpEvent>(async (event, responseStream, context) => {
  const { response, afterResponse } = await respondToRedirect(event, context);
  const out = httpResponseStream(responseStream, {
    statusCode: response.statusCode ?? 200,
    headers: response.headers ?? {},
    ...(response.cookies?.length ? { cookies: response.cookies } : {}),
  });
  // A write before end(), even of nothing: the runtime sends the status and headers only then.
  out.write(response.body ?? '');
  out.end();
  await afterResponse?.write();
  flushMetrics();
});
