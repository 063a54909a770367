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

const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'touchpoint',
  logLevel:
    process.env.TOUCHPOINT_LOG_SILENT === '1'
      ? 'ERROR'
      : ((process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'INFO').toUpperCase() as 'INFO'),
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
