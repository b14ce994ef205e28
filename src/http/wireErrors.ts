// Failures Fastify and Node answer by themselves, before any route or our error handler
// runs, put in the one wire shape {"error": "<message>"}. Their defaults answer
// {"error": "Bad Request", "code": …, "message": "'<the URL>' is not …", "statusCode": …}:
// another shape, and one that echoes the URL (signed links, OAuth codes) back.
// The fuzzer (test/reliability/fuzz*.test.ts) found each of these.
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './app.ts';
import { ApiError, classifyError, statusFor, type ErrorCode } from './errors.ts';

/** Fastify's frameworkErrors hook: a malformed percent-escape (400), a path segment over maxParamLength (414). */
export function frameworkErrors(err: Error, _req: FastifyRequest, reply: FastifyReply): void {
  const { code, message, headers } = classifyError(err);
  void reply.status(statusFor(code)).headers(headers).send({ error: message });
}

const CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'REQUEST_TIMEOUT', message: 'The request was not received in time' },
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large' },
};

/**
 * Node's clientError: bytes that are not HTTP (bad request line, invalid header characters,
 * conflicting Content-Length, broken chunking). There is no request object, so the answer
 * is written to the socket as Node's own default does, then the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = (err.code !== undefined && Object.hasOwn(CLIENT_ERRORS, err.code) ? CLIENT_ERRORS[err.code] : undefined) ?? {
    code: 'BAD_REQUEST' as const,
    message: 'The request is not valid HTTP',
  };
  const body = JSON.stringify({ error: known.message });
  const status = statusFor(known.code);
  if (socket.writable) {
    // A HEAD request's answer has no body, even this one: a client that sent HEAD reads the
    // headers only, and the body bytes after them broke its parser ("Data after
    // Connection: close", found by the full HTTP fuzz run). The request line did parse far
    // enough to be in rawPacket when only its query or headers were bad.
    const head = isHeadRequest((err as { rawPacket?: unknown }).rawPacket);
    socket.write(
      `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${head ? '' : body}`,
    );
  }
  socket.destroy(err);
}

function isHeadRequest(rawPacket: unknown): boolean {
  return Buffer.isBuffer(rawPacket) && rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * JSON bodies are decoded strictly: Fastify's own parser reads them as a string, which turns
 * invalid UTF-8 into U+FFFD and stores altered data without a word. Here it is a 400, like a
 * NUL or a lone surrogate (textSafety.ts). Parsing itself stays Fastify's (secure-json-parse,
 * __proto__ and constructor.prototype refused).
 */
export function useStrictJsonParser(app: App): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new ApiError('BAD_REQUEST', 'Request body is not valid UTF-8'), undefined);
      return;
    }
    parse(req, text, done);
  });
}
