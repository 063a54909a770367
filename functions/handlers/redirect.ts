import { redirect } from '../redirect/service';
import { type HttpEvent, type HttpResult, header, safeDecode, toHttpError } from '../shared/http';

/** GET|HEAD /{slug}: parse the request, call the redirect core, map the result. */
export async function handler(event: HttpEvent): Promise<HttpResult> {
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
    return {
      statusCode: 302,
      headers: {
        location: result.location,
        'cache-control': 'no-store',
        'x-robots-tag': 'noindex',
      },
      ...(result.setCookie ? { cookies: [result.setCookie] } : {}),
      body: '',
    };
  } catch (err) {
    return toHttpError(err, event);
  }
}
