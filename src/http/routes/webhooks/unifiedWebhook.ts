import { Type, type Static } from '@sinclair/typebox';
import { isLive } from '../../../domain/connectionLifecycle.ts';
import { verifyHmacSha256 } from '../../../lib/signatures.ts';
import { compileValidator } from '../../../lib/validate.ts';
import type { RouteModule } from '../../app.ts';
import { badRequest, notFound, unauthorized } from '../../errors.ts';
import { ErrorBody } from '../common.ts';
import { sha256Hex, storeEvent } from './ingest.ts';
import { decodeUtf8, rawBodyOf, withRawBody } from './rawBody.ts';

/** A sender-chosen delivery id: printable and bounded, so it serves as the dedupe key as is (numbers only while exact). */
const DeliveryId = Type.Union([Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' }), Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })]);

export const UnifiedEnvelope = Type.Object({
  connection_id: Type.String({ maxLength: 64, pattern: '^conn_[A-Za-z0-9]+$' }),
  event: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]*$' }),
  data: Type.Unknown(),
  // A delivery id when the sender has one; redeliveries of it are dropped. Without one the body hash is the key.
  event_id: Type.Optional(DeliveryId),
  id: Type.Optional(DeliveryId),
});
export type UnifiedEnvelope = Static<typeof UnifiedEnvelope>;

const checkEnvelope = compileValidator(UnifiedEnvelope);

/** Parses a body whose signature already checked out. Throws 400 for anything but a valid envelope. */
export function parseUnifiedEnvelope(raw: Buffer): { envelope: UnifiedEnvelope; text: string } {
  const text = decodeUtf8(raw);
  if (text === null) throw badRequest('Request body is not valid UTF-8 text');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('Request body must be a JSON object');
  const r = checkEnvelope(parsed);
  if (!r.ok) throw badRequest(r.error);
  return { envelope: r.value, text };
}

function deliveryKey(e: UnifiedEnvelope): string | null {
  const id = e.event_id ?? e.id;
  return id === undefined ? null : String(id);
}

const SIGNATURE_HEADER = 'x-unified-signature';

export const unifiedWebhook: RouteModule = (app, deps) => {
  withRawBody(app, (scope) => {
    scope.post(
      '/unified/webhook',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Receive a signed event for a connection',
          description:
            'X-Unified-Signature is the lower-case hex HMAC-SHA256 of the raw body under the webhook secret. ' +
            'Body: {"connection_id": "conn_…", "event": "order.created", "data": {…}, "event_id"?: "…"}. ' +
            'A redelivery (same event_id, or byte-identical body) returns the original event_id.',
          response: {
            200: Type.Object({ status: Type.Literal('accepted'), event_id: Type.String() }),
            400: ErrorBody,
            401: ErrorBody,
            404: ErrorBody,
            413: ErrorBody,
          },
        },
      },
      async (req) => {
        const raw = rawBodyOf(req);
        const given = req.headers[SIGNATURE_HEADER];
        if (typeof given !== 'string' || given === '') {
          deps.metrics.webhookVerified('unified', 'missing');
          throw unauthorized('Missing X-Unified-Signature');
        }
        if (!verifyHmacSha256(deps.config.webhookSecret, raw, given, 'hex')) {
          deps.metrics.webhookVerified('unified', 'invalid');
          throw unauthorized('Invalid X-Unified-Signature');
        }
        deps.metrics.webhookVerified('unified', 'ok');

        const { envelope, text } = parseUnifiedEnvelope(raw);
        const conn = await deps.caches.connections.get(envelope.connection_id);
        // Unknown and not-live look the same from outside: nothing is stored either way.
        if (conn === null || !isLive(conn.status)) throw notFound('Connection');
        const stored = await storeEvent(deps, conn, {
          source: 'unified',
          event: envelope.event,
          dedupeKey: deliveryKey(envelope) ?? sha256Hex(raw),
          rawBody: text,
        });
        if (stored === null) {
          // Went inactive since it was cached (another process changed it): drop the stale entry.
          deps.caches.connections.invalidate(envelope.connection_id);
          throw notFound('Connection');
        }
        return { status: 'accepted' as const, event_id: stored.eventId };
      },
    );
  });
};
