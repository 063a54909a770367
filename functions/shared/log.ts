import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs, one line per event (Powertools Logger): level, message, timestamp, service, and
 * in Lambda the request id (`addRequestContext`) and X-Ray trace id, so CloudWatch Logs Insights can
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

export const log = {
  debug: (message: string, fields: Fields = {}) => logger.debug(message, fields),
  info: (message: string, fields: Fields = {}) => logger.info(message, fields),
  warn: (message: string, fields: Fields = {}) => logger.warn(message, fields),
  error: (message: string, fields: Fields = {}) => logger.error(message, fields),
};

/** The Lambda context's request id (and function name) on every line of this invocation. */
export function addRequestContext(context: unknown): void {
  if (context && typeof context === 'object' && 'awsRequestId' in context) {
    logger.addContext(context as Parameters<Logger['addContext']>[0]);
  }
}
