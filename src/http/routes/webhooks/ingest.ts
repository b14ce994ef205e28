// Storing verified webhook events: one outbox row per (connection, delivery), which the
// outbox relay (jobs/outboxRelay.ts) claims and applies. Shared by the unified endpoint and
// every provider-native endpoint; ingestProviderWebhook is the whole pipeline for the latter.
import { createHash } from 'node:crypto';
import { activeConnectionsByAccount } from '../../../db/connections.ts';
import { randomHex } from '../../../lib/randomHex.ts';
import type { Deps } from '../../../deps.ts';
import { ProviderError, type Connector, type InboundEvent, type ProviderId } from '../../../providers/types.ts';
import { badRequest, unauthorized } from '../../errors.ts';
import { decodeUtf8 } from './rawBody.ts';

/** 96 random bits: ids are public (returned to the sender) and must not be guessable or collide. */
export const newEventId = () => `evt_${randomHex(12)}`;

export const sha256Hex = (raw: Buffer | string) => createHash('sha256').update(raw).digest('hex');

export interface EventToStore {
  source: string;
  event: string;
  dedupeKey: string;
  rawBody: string;
}

/**
 * Stores the event (committed when this resolves); a redelivery returns the original
 * event id and stores nothing. Null when the connection is no longer ACTIVE (nothing stored).
 */
export async function storeEvent(
  deps: Deps,
  connection: { id: string; tenantId: string },
  e: EventToStore,
): Promise<{ eventId: string; duplicate: boolean } | null> {
  // Grouped with concurrent deliveries into one commit (src/db/outboxBatcher.ts); resolves after that commit.
  const outcome = await deps.outbox.submit({ eventId: newEventId(), connectionId: connection.id, ...e });
  if (outcome.kind === 'inactive') return null;
  return { eventId: outcome.eventId, duplicate: outcome.kind === 'duplicate' };
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * A verified delivery as the events to store: one for most providers (the raw body is
 * the event), one per event for providers that batch (the event's own JSON is stored).
 * A ProviderError from the connector is the sender's bad payload: 400.
 */
function splitDelivery(connector: Connector, raw: Buffer, headers: Headers): { account: string; inbound: InboundEvent; rawBody: string }[] {
  const text = decodeUtf8(raw);
  if (text === null) throw badRequest('Webhook body is not valid UTF-8 text');
  try {
    if (connector.splitWebhook) return connector.splitWebhook(raw).map((e) => ({ ...e, rawBody: JSON.stringify(e.inbound.data) }));
    const account = connector.webhookAccount(headers);
    if (account === null) throw badRequest('Webhook does not name a valid account');
    return [{ account, inbound: connector.normalizeWebhook(raw, headers), rawBody: text }];
  } catch (err) {
    if (err instanceof ProviderError) throw badRequest(err.message);
    throw err;
  }
}

export type ProviderWebhookResult = { status: 'accepted'; event_ids: string[] } | { status: 'ignored' };

/**
 * A provider-native webhook, end to end: the connector verifies its own signature
 * over the raw bytes, names the provider account, and normalizes the event; the
 * event is stored once per ACTIVE connection on that account (several tenants may
 * connect one shop), deduplicated by the provider's delivery id.
 */
export async function ingestProviderWebhook(
  deps: Deps,
  providerId: ProviderId,
  req: { rawBody: Buffer; headers: Record<string, string | string[] | undefined> },
): Promise<ProviderWebhookResult> {
  const connector = deps.providers.get(providerId);
  // No configured app secret makes verifyWebhook false: unconfigured providers reject everything.
  if (!connector?.verifyWebhook(req.rawBody, req.headers)) {
    deps.metrics.webhookVerified(providerId, 'invalid');
    throw unauthorized('Invalid webhook signature');
  }
  deps.metrics.webhookVerified(providerId, 'ok');

  const deliveries = splitDelivery(connector, req.rawBody, req.headers);
  const eventIds: string[] = [];
  for (const { account, inbound, rawBody } of deliveries) {
    if (inbound.event.length === 0 || inbound.event.length > 200) throw badRequest('Webhook event name is empty or too long');
    const providerEventId = inbound.providerEventId !== null && inbound.providerEventId.length <= 255 ? inbound.providerEventId : null;
    const dedupeKey = providerEventId ?? sha256Hex(rawBody);
    const targets = await activeConnectionsByAccount(deps.db, providerId, account);
    for (const c of targets) {
      // One transaction per connection: they may belong to different tenants. If one fails
      // the provider retries the delivery and the ones already stored dedupe.
      const stored = await storeEvent(deps, c, { source: providerId, event: inbound.event, dedupeKey, rawBody });
      if (stored) eventIds.push(stored.eventId);
    }
    if (targets.length === 0) deps.log.info({ provider: providerId, account, event: inbound.event }, 'webhook for an account without an active connection ignored');
  }
  if (eventIds.length === 0) return { status: 'ignored' };
  return { status: 'accepted', event_ids: eventIds };
}
