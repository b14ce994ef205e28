// Webhook routes see the request body as the exact bytes that were signed.
// Parsing first and re-serialising later changes whitespace, key order and
// number formatting, and the signature is over what was sent.
import type { FastifyRequest } from 'fastify';
import type { App } from '../../app.ts';

/**
 * Registers `routes` in an encapsulated scope whose only body parser hands the
 * handler a Buffer, whatever the Content-Type. The server's 10 MB bodyLimit still
 * applies (413 before the handler runs).
 */
export function withRawBody(app: App, routes: (scope: App) => void): void {
  void app.register(async (instance) => {
    const scope = instance as unknown as App;
    scope.removeAllContentTypeParsers();
    // The body is opaque until its signature checks out, so its declared type must not
    // decide whether we look at it: a malformed Content-Type would otherwise be a 415
    // before verification. Normalised here, before Fastify picks a parser.
    scope.addHook('onRequest', async (req) => {
      req.headers['content-type'] = 'application/octet-stream';
    });
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    routes(scope);
  });
}

/** The raw body; an empty POST (no Content-Length) has none, which is zero bytes. */
export function rawBodyOf(req: FastifyRequest): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text, or null when it is not valid UTF-8 or holds NUL (PostgreSQL text cannot store it). */
export function decodeUtf8(raw: Buffer): string | null {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return null;
  }
  return text.includes('\u0000') ? null : text;
}
