/**
 * The one error hierarchy. Core code throws these; `toHttpError` in `http.ts` is the only place that
 * turns them into HTTP responses. Anything that is not an AppError is a bug and becomes a 500 without
 * details (the stack goes to the log, never to the client).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'validation_error', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Missing or invalid API key. Send Authorization: Bearer <key>.') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class MethodNotAllowedError extends AppError {
  /** `allowed`: the methods the path answers (the Allow header, RFC 9110 §15.5.6). */
  constructor(
    message: string,
    readonly allowed: readonly string[],
  ) {
    super(405, 'method_not_allowed', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, details);
  }
}

/** A write lost a race with another writer of the same item (optimistic locking). */
export class StaleWriteError extends ConflictError {}

/** The client's `If-Match` names a version that is no longer the current one. */
export class PreconditionFailedError extends AppError {
  constructor(message: string) {
    super(412, 'precondition_failed', message);
  }
}

export class GoneError extends AppError {
  constructor(message: string) {
    super(410, 'gone', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(422, code, message, details);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'too_many_requests', message);
  }
}

/** A dependency (DynamoDB) did not answer in time; the client should retry after `retryAfterSeconds`. */
export class ServiceUnavailableError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(503, 'service_unavailable', message);
  }
}
