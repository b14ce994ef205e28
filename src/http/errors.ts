// The closed set of error codes and the one place that maps them to HTTP
// statuses. The wire shape is fixed: {"error": "<message>"}; the code travels
// in logs, never instead of the message.

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'REQUEST_TIMEOUT'
  | 'GONE'
  | 'PAYLOAD_TOO_LARGE'
  | 'URI_TOO_LONG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export function statusFor(code: ErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'REQUEST_TIMEOUT':
      return 408;
    case 'CONFLICT':
      return 409;
    case 'GONE':
      return 410;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'URI_TOO_LONG':
      return 414;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'HEADERS_TOO_LARGE':
      return 431;
    case 'RATE_LIMITED':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
    default: {
      const never: never = code;
      return never;
    }
  }
}

/** An expected, client-visible failure. Thrown from handlers; rendered by the app's error handler. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (msg: string) => new ApiError('BAD_REQUEST', msg);
export const notFound = (what: string) => new ApiError('NOT_FOUND', `${what} not found`);
export const conflict = (msg: string) => new ApiError('CONFLICT', msg);
export const forbidden = (msg: string) => new ApiError('FORBIDDEN', msg);
export const unauthorized = (msg: string) => new ApiError('UNAUTHORIZED', msg);

const PG_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
/** node-postgres and pg-pool say "the connection is gone" in words, with no code. */
const CONNECTION_LOST = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable/i;

/**
 * True when the database (not the request) is the problem: a connection refused, reset, cut by a
 * shutting-down server, or not obtainable in time. Drizzle wraps the driver's error as `cause`
 * (and a failed ROLLBACK on a dead connection wraps *that*), so the whole chain is looked at.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    // SQLSTATE class 08 is "connection exception" in every subcode.
    if (typeof code === 'string' && (PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    // A failed query's own message repeats its parameters (request data): only driver messages count.
    if (typeof message === 'string' && !('query' in e) && CONNECTION_LOST.test(message)) return true;
    e = cause;
  }
  return false;
}

/**
 * Maps a thrown value to a code. Database outages are 503 so clients retry; a
 * unique violation that a handler did not anticipate is still the client's conflict.
 */
export function classifyError(err: unknown): { code: ErrorCode; message: string; headers: Record<string, string> } {
  if (err instanceof ApiError) return { code: err.code, message: err.message, headers: err.headers };
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown; cause?: unknown };
  const pgCode = typeof e?.code === 'string' ? e.code : undefined;
  const causeCode = typeof (e?.cause as { code?: unknown } | undefined)?.code === 'string' ? String((e.cause as { code: string }).code) : undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (isDatabaseUnavailable(err)) {
    return { code: 'UNAVAILABLE', message: 'Database unavailable, retry shortly', headers: { 'retry-after': '1' } };
  }
  if (pgCode === '23505' || causeCode === '23505') return { code: 'CONFLICT', message: 'Conflicts with an existing record', headers: {} };
  if (e?.validation !== undefined) return { code: 'BAD_REQUEST', message: message || 'Invalid request', headers: {} };
  switch (pgCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is larger than 10 MB', headers: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Type must be application/json', headers: {} };
    // Raised before any route matches (frameworkErrors in app.ts): a malformed percent-escape, a path segment over maxParamLength.
    case 'FST_ERR_BAD_URL':
      return { code: 'BAD_REQUEST', message: 'The URL is not valid (malformed percent-encoding)', headers: {} };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { code: 'URI_TOO_LONG', message: 'A path segment of the URL is too long', headers: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'BAD_REQUEST', message: 'Request body is not valid JSON', headers: {} };
    default:
      break;
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 413) return { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is larger than 10 MB', headers: {} };
    if (e.statusCode === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported Content-Type', headers: {} };
    // JSON syntax errors and other parser complaints from Fastify are the client's.
    return { code: 'BAD_REQUEST', message: message || 'Bad request', headers: {} };
  }
  return { code: 'INTERNAL', message: 'Internal error', headers: {} };
}
