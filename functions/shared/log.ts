import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs, one line per event (Powertools Logger): level, message, timestamp, service, the
 * request's correlation id (`withRequestScope`), and in Lambda the invocation's request id and X-Ray trace id, so CloudWatch Logs Insights can
 * follow one request. Every line is a single JSON object, in Lambda and in the terminal alike, so
 * `npm run replay` can read `click_write_failed` lines from either. Level from POWERTOOLS_LOG_LEVEL (or
 * LOG_LEVEL), default INFO; POWERTOOLS_LOGGER_SAMPLE_RATE logs a share of invocations at DEBUG.
 * TOUCHPOINT_LOG_SILENT=1 (the tests) keeps only errors.
 */
type Fields = Record<string, unknown>;

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/**
 * The configured level, never above ERROR: a `click_write_failed` line is the only copy of a click that
 * could not be stored, so CRITICAL or SILENT would lose clicks. Unknown values mean INFO.
 */
function logLevel(): (typeof LEVELS)[number] {
  if (process.env.TOUCHPOINT_LOG_SILENT === '1') return 'ERROR';
  const asked = (process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'INFO').toUpperCase();
  if (asked === 'CRITICAL' || asked === 'SILENT') return 'ERROR';
  return LEVELS.find((level) => level === asked) ?? 'INFO';
}

const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'touchpoint',
  logLevel: logLevel(),
});

/**
 * The ids of the request (or invocation) running now, kept per request in an AsyncLocalStorage: the local
 * server runs many requests at once in one process, and a redirect's click write runs after its answer
 * (ADR 0027), so ids set logger-wide would name the wrong request. Every line logged within the scope
 * carries them.
 */
interface RequestScope {
  /** API Gateway's, the function URL's or the local server's request id (the access log shows it too). */
  correlation_id?: string;
  /** Outside Lambda, the request id (in Lambda, Powertools adds the invocation's own). */
  request_id?: string;
}

const scopes = new AsyncLocalStorage<RequestScope>();

function write(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: Fields): void {
  const scope = scopes.getStore();
  logger[level](message, scope ? { ...scope, ...fields } : fields);
}

export const log = {
  debug: (message: string, fields: Fields = {}) => write('debug', message, fields),
  info: (message: string, fields: Fields = {}) => write('info', message, fields),
  warn: (message: string, fields: Fields = {}) => write('warn', message, fields),
  error: (message: string, fields: Fields = {}) => write('error', message, fields),
};

/**
 * Runs `fn` as one request: every line it logs, and every line of work it starts, carries the event's
 * request id as `correlation_id` (and outside Lambda as `request_id`), plus the Lambda context's.
 */
export function withRequestScope<T>(
  event: { requestContext?: { requestId?: string } } | undefined,
  context: unknown,
  fn: () => T,
): T {
  addRequestContext(context);
  const id = event?.requestContext?.requestId;
  const inLambda = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  return scopes.run({ correlation_id: id, ...(inLambda ? {} : { request_id: id }) }, fn);
}

/** `fn`, bound to the current request's scope: work run after the answer still logs with its ids. */
export function bindToRequestScope<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return scopes.getStore() ? AsyncResource.bind(fn) : fn;
}

/** The Lambda context's request id (and function name) on every line of this invocation. */
function addRequestContext(context: unknown): void {
  if (context && typeof context === 'object' && 'awsRequestId' in context) {
    logger.addContext(context as Parameters<Logger['addContext']>[0]);
  }
}
