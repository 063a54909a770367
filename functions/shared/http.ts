import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import {
  AppError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors';
import { log } from './log';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2 & {
  headers?: Record<string, string>;
  /** Multi-value cookies, as API Gateway v2 expects them. */
  cookies?: string[];
};

export const MAX_BODY_BYTES = 256 * 1024;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      // Browsers must not sniff an API answer into HTML or script.
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

export function noContent(): HttpResult {
  return {
    statusCode: 204,
    headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    body: '',
  };
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** DynamoDB's answers for "too much right now" (throttling, on-demand write caps, request limits). */
const DYNAMODB_BUSY = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** The one mapper from errors to HTTP. Unknown errors are bugs: logged with their stack, 500 without it. */
export function toHttpError(err: unknown, event?: HttpEvent): HttpResult {
  if (err instanceof AppError) {
    return json(err.status, errorBody(err.code, err.message, err.details), errorHeaders(err));
  }
  // DynamoDB pushing back (a write cap, a hot key, a throttled account) is temporary: the client should
  // come back in a moment, not read it as a bug. Not a 500.
  if (err instanceof Error && DYNAMODB_BUSY.has(err.name)) {
    log.warn('dynamodb_busy', { error: { name: err.name, message: err.message }, route: event?.routeKey });
    return json(503, errorBody('service_unavailable', 'The database is busy; try again in a moment.'), {
      'retry-after': '1',
    });
  }
  log.error('unhandled_error', {
    error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
    route: event?.routeKey,
    path: event?.rawPath,
  });
  return json(500, errorBody('internal_error', 'Something went wrong on our side. It has been logged.'));
}

/** What the status asks HTTP to say besides the body: when to retry, what is allowed, how to authenticate. */
function errorHeaders(err: AppError): Record<string, string> {
  if (err instanceof ServiceUnavailableError || err instanceof TooManyRequestsError)
    return { 'retry-after': String(err.retryAfterSeconds) };
  if (err instanceof MethodNotAllowedError) return { allow: err.allowed.join(', ') };
  if (err instanceof UnauthorizedError) return { 'www-authenticate': 'Bearer realm="touchpoint"' };
  return {};
}

export function header(event: HttpEvent, name: string): string | undefined {
  const h = event.headers ?? {};
  return h[name.toLowerCase()] ?? h[name];
}

/** Strict UTF-8: a byte sequence that is not UTF-8 is an error, not silently U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * The body as text. Bytes that are not UTF-8 are refused rather than stored as U+FFFD, which would
 * make two different order ids or names the same one. A gateway that already decoded the body as text
 * leaves U+FFFD where such bytes were, so a text body holding one is refused too.
 */
function bodyText(event: HttpEvent): string {
  const raw = event.body ?? '';
  if (!event.isBase64Encoded) {
    if (raw.includes(REPLACEMENT_CHARACTER)) throw notUtf8();
    return raw;
  }
  try {
    return UTF8.decode(Buffer.from(raw, 'base64'));
  } catch {
    throw notUtf8();
  }
}

const notUtf8 = () =>
  new ValidationError(
    'The request body is not valid UTF-8 (or holds U+FFFD, which stands for bytes that were not).',
  );

/**
 * Reads a JSON body: 415 for another content type, charset or a content encoding, 413 over 256 KB,
 * 400 for text that is not UTF-8 or not JSON.
 */
export function readJsonBody(event: HttpEvent): unknown {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `The request body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES} bytes.`,
    );
  }
  // The media type is what comes before any parameter (`; charset=utf-8`).
  const [mediaType = '', ...parameters] = (header(event, 'content-type') ?? '').split(';');
  const contentType = mediaType.trim().toLowerCase();
  if (contentType !== 'application/json' && !contentType.endsWith('+json')) {
    throw new UnsupportedMediaTypeError(
      `Send the body as JSON with Content-Type: application/json (got ${contentType || 'none'}).`,
    );
  }
  const charset = parameters
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replaceAll('"', '');
  // US-ASCII is a subset of UTF-8; anything else would be read wrongly.
  if (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) {
    throw new UnsupportedMediaTypeError(`Send the body as UTF-8 JSON (got charset=${charset}).`);
  }
  const encoding = header(event, 'content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw new UnsupportedMediaTypeError(
      `Send the body uncompressed (Content-Encoding ${encoding} is not supported).`,
    );
  }
  const text = bodyText(event);
  if (text.trim() === '') throw new ValidationError('The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8 quotes part of the text it could not read ("Unexpected token 'x', "…"... is not valid JSON"):
    // the client's own bytes, maybe binary. Say which character instead; other messages give positions.
    const message = (e as Error).message;
    const token = /^Unexpected token '(.)'/su.exec(message)?.[1];
    const reason = token
      ? `unexpected character U+${(token.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
      : message.includes('is not valid JSON')
        ? 'it is not JSON'
        : message;
    throw new ValidationError(`The request body is not valid JSON: ${reason}`);
  }
}

/** Validates input with a zod schema and turns its issues into one readable 400. */
export function parseWith<S extends z.ZodMiniType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: i.path.join('.'),
    message: i.message,
  }));
  // A failed parse has at least one issue; the first is the one the message names.
  const [first = { path: '', message: 'is not valid' }] = issues;
  const where = first.path ? `${what} field '${first.path}'` : what;
  throw new ValidationError(`Invalid ${where}: ${first.message}`, { issues });
}

/** The query parameters; a value holding U+FFFD was not UTF-8 (`%FF`) and is refused like a bad body. */
export function queryOf(event: HttpEvent): Record<string, string | undefined> {
  const query = event.queryStringParameters ?? {};
  for (const [name, value] of Object.entries(query)) {
    if (value?.includes(REPLACEMENT_CHARACTER) || name.includes(REPLACEMENT_CHARACTER)) {
      throw new ValidationError(
        `The query parameter '${name.slice(0, 80)}' is not valid UTF-8 URL encoding.`,
      );
    }
  }
  return query;
}

/** decodeURIComponent that turns malformed escapes into a 400 instead of a URIError (500). */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ValidationError(`The path segment '${segment.slice(0, 80)}' is not valid URL encoding.`);
  }
}
