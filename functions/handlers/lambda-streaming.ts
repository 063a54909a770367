import type { Writable } from 'node:stream';
import type { StreamifyHandler } from 'aws-lambda';

/**
 * Lambda response streaming without depending on the Lambda runtime at import time. Inside Lambda the
 * Node.js runtime provides the `awslambda` global (its types come from @types/aws-lambda); the local
 * server and the tests import the same handler without it, and then get the same behaviour from the
 * stand-ins below, including the wire format (so tests can read what a function URL would get).
 */
function runtime(): typeof awslambda | undefined {
  // Not just the global's presence: the AWS SDK creates an empty `awslambda` object outside Lambda too.
  const global = (globalThis as { awslambda?: Partial<typeof awslambda> }).awslambda;
  return typeof global?.streamifyResponse === 'function' ? (global as typeof awslambda) : undefined;
}

/** What a function URL turns into the HTTP status line and headers. */
export interface ResponseMetadata {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
}

export function streamifyResponse<TEvent>(
  handler: StreamifyHandler<TEvent, void>,
): StreamifyHandler<TEvent, void> {
  return runtime()?.streamifyResponse(handler) ?? handler;
}

/** The content type by which the function URL recognises the metadata prelude. */
const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
/** Eight NUL bytes end the JSON prelude. */
const PRELUDE_DELIMITER = new Uint8Array(8);

/**
 * The runtime's `HttpResponseStream.from`: status, headers and cookies go out as a JSON prelude before
 * the first body write — and only then, so a response without a body write loses them (the stream must
 * be written to, if only an empty string, before it is ended).
 */
export function httpResponseStream(stream: Writable, metadata: ResponseMetadata): Writable {
  const lambda = runtime();
  if (lambda) return lambda.HttpResponseStream.from(stream, metadata as unknown as Record<string, unknown>);
  (stream as { setContentType?: (type: string) => void }).setContentType?.(PRELUDE_CONTENT_TYPE);
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  let preludeSent = false;
  stream.write = ((...args: unknown[]) => {
    if (!preludeSent) {
      preludeSent = true;
      write(JSON.stringify(metadata));
      write(PRELUDE_DELIMITER);
    }
    return write(...args);
  }) as Writable['write'];
  return stream;
}
