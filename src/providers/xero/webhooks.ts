// Inbound Xero webhooks: x-xero-signature is the base64 HMAC-SHA256 of the raw body under
// the app's webhook key. One delivery batches events of any organisation the app is
// connected to, each naming its tenantId. An empty `events` list signed correctly is the
// Intent to Receive check (answered 200; a wrongly signed one 401, like any bad signature).
import { Type, type Static } from '@sinclair/typebox';
import { verifyHmacSha256 } from '../../lib/signatures.ts';
import { compileValidator } from '../../lib/validate.ts';
import { ProviderError, type InboundEvent } from '../types.ts';
import { normalizeTenantId } from './facts.ts';
import { header } from '../../lib/headers.ts';

type Headers = Record<string, string | string[] | undefined>;

/**
 * The WebhookEvent schema of xero-webhooks.yaml (components/schemas/WebhookEvent), restated
 * here because the contract file is not shipped with Synq; a test checks the contract's own
 * examples and the fake's deliveries against both. Two deliberate differences: eventDateUtc is
 * "date-time" in the contract, but Xero sends it without a zone ("2024-06-21T01:15:39.902",
 * the contract's own example), which a strict date-time check would refuse; and the Intent to
 * Receive deliveries carry event sequences of 0, below the contract's minimum of 1.
 */
const Enum = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
export const XeroWebhookEvent = Type.Object({
  resourceUrl: Type.String({ format: 'uri', maxLength: 2048 }),
  resourceId: Type.String({ format: 'uuid' }),
  eventDateUtc: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,7})?(Z|[+-]\\d{2}:\\d{2})?$' }),
  eventType: Enum(['CREATE', 'UPDATE'] as const),
  eventCategory: Enum(['CONTACT', 'INVOICE', 'SUBSCRIPTION', 'CREDITNOTE'] as const),
  tenantId: Type.String({ format: 'uuid' }),
  tenantType: Enum(['ORGANISATION', 'APPLICATION'] as const),
});
export const XeroWebhookPayload = Type.Object({
  events: Type.Array(XeroWebhookEvent, { maxItems: 1000 }),
  firstEventSequence: Type.Integer({ minimum: 0, maximum: 2147483647 }),
  lastEventSequence: Type.Integer({ minimum: 0, maximum: 2147483647 }),
  entropy: Type.String({ maxLength: 200 }),
});
export type XeroWebhookPayload = Static<typeof XeroWebhookPayload>;
const checkPayload = compileValidator(XeroWebhookPayload);

export function verifyXeroWebhook(webhookKey: string, rawBody: Buffer, headers: Headers): boolean {
  // No key configured means reject, never "skip verification".
  return verifyHmacSha256(webhookKey, rawBody, header(headers, 'x-xero-signature'), 'base64');
}

/**
 * One inbound event per Xero event, named accounting.<category>.created|updated
 * (accounting.invoice.created, accounting.contact.updated, accounting.creditnote.created).
 * Xero sends ids, not documents, so invoices are stored as events and not turned into
 * orders; fetching the invoice is left to whoever processes the event. Dedupe key:
 * tenantId + resourceId + eventDateUtc (Xero redelivers a batch it got no 2xx for).
 */
export function splitXeroWebhook(rawBody: Buffer): { account: string; inbound: InboundEvent }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    throw new ProviderError('VALIDATION', 'Webhook body is not JSON');
  }
  const r = checkPayload(parsed);
  if (!r.ok) throw new ProviderError('VALIDATION', `Webhook body does not match Xero's WebhookEvent schema: ${r.error}`);
  return r.value.events.map((e) => ({
    account: normalizeTenantId(e.tenantId) ?? e.tenantId,
    inbound: {
      event: `accounting.${e.eventCategory.toLowerCase()}.${e.eventType === 'CREATE' ? 'created' : 'updated'}`,
      providerEventId: `${e.tenantId.toLowerCase()}:${e.resourceId.toLowerCase()}:${e.eventDateUtc}`,
      data: e,
    },
  }));
}
