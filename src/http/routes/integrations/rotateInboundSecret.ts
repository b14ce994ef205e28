// POST /api/v1/integrations/connections/:id/inbound/secret: issues a new secret for the
// connection's forwarded events and shows it, once. Rotate-and-show rather than a readable
// secret: a GET would let every role (VIEWER included) and every log of a proxy replay it,
// and a "show the first time" GET would change state on a read. The secret generated at
// connect time is never shown; the tenant rotates once to configure the sender, and again
// whenever the secret may have leaked. The previous secret keeps working for 24 hours so the
// sender can be updated without losing events (EventBridge drops a notification answered 401).
// ADMIN only; audited; the answer is not cacheable.
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { writeAudit } from '../../../db/audit.ts';
import { updateCredentials } from '../../../providers/connectionContext.ts';
import type { RouteModule } from '../../app.ts';
import { requireRole } from '../../auth.ts';
import { conflict } from '../../errors.ts';
import { errorResponses, tenantSecurity } from '../common.ts';
import { ConnectionRef, forwardingTarget, InboundJson, inboundJson } from './inboundForwarding.ts';

/** A working day to update the sending side (an EventBridge connection) after a rotation. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3600 * 1000;

export const rotateInboundSecret: RouteModule = (app, deps) => {
  app.post(
    '/api/v1/integrations/connections/:id/inbound/secret',
    {
      schema: {
        tags: ['integrations'],
        summary: "Issue a new secret for a connection's forwarded events and show it once (ADMIN; the previous one works 24 h more)",
        security: tenantSecurity,
        params: ConnectionRef,
        response: { 200: Type.Intersect([InboundJson, Type.Object({ secret: Type.String() })]), ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (req, reply) => {
      requireRole(req.auth, 'ADMIN');
      const target = await forwardingTarget(deps, req.auth, req.params.id);
      if (target.conn.status !== 'ACTIVE' && target.conn.status !== 'PENDING') throw conflict(`Connection is ${target.conn.status}; connect again to get a new one`);
      const now = new Date();
      const secret = randomBytes(32).toString('base64url');
      const creds = await updateCredentials(deps, target.conn.id, (current) => ({
        ...current,
        webhookSecret: secret,
        webhookSecretRotatedAt: now.toISOString(),
        ...(current.webhookSecret !== undefined
          ? { previousWebhookSecret: current.webhookSecret, previousWebhookSecretUntil: new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS).toISOString() }
          : {}),
      }));
      await withTenant(deps.db, req.auth.tenantId, (tx) =>
        writeAudit(tx, {
          tenantId: req.auth.tenantId,
          orgId: req.auth.orgId,
          actor: req.auth.sub,
          action: 'INTEGRATION_INBOUND_SECRET_ROTATED',
          target: target.conn.connectionId,
          data: { provider: target.conn.provider },
        }),
      );
      reply.header('cache-control', 'no-store');
      return { ...inboundJson(deps, target, creds), secret };
    },
  );
};
