// Signed webhook deliveries from the fake: x-xero-signature = base64 HMAC-SHA256 of the exact
// body bytes under the webhook key. Every payload is checked against the contract's
// WebhookEvent before it leaves. The Intent to Receive check sends a correctly signed empty
// batch (expects 200) and a wrongly signed one (expects 401), as Xero does when a webhook is saved.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { XeroContract } from './contract.ts';
import { describeErrors } from './contract.ts';
import type { FakeWorld } from './state.ts';

export interface WebhookTarget {
  url: string | null;
  key: string;
}

export interface DeliveryResult {
  status: number;
  body: string;
  payload: unknown;
}

export interface EventInput {
  category: 'INVOICE' | 'CONTACT' | 'CREDITNOTE';
  type: 'CREATE' | 'UPDATE';
  resourceId?: string;
  /** Defaults to now, in Xero's zone-less form. */
  eventDateUtc?: string;
}

let sequence = 0;

/** "2024-06-21T01:15:39.902": UTC without a zone designator, as Xero writes it. */
export const xeroUtcNow = () => new Date().toISOString().replace('Z', '');

function checked(world: FakeWorld, contract: XeroContract | null, payload: unknown): void {
  if (contract === null) return;
  if (!contract.webhookEvent(payload)) throw new Error(`fake webhook payload does not match WebhookEvent: ${describeErrors(contract.webhookEvent.errors).join('; ')}`);
  world.stats.validatedWebhooks++;
}

async function post(world: FakeWorld, target: WebhookTarget, body: string, key: string): Promise<{ status: number; body: string }> {
  if (target.url === null) throw new Error('fake Xero: no webhook URL configured');
  world.stats.webhookDeliveries++;
  const signature = createHmac('sha256', key).update(body).digest('base64');
  // Xero gives up on a delivery that takes longer than 5 s.
  const res = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-xero-signature': signature }, body, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

export function eventPayload(apiUrl: string, tenantId: string, events: EventInput[]): unknown {
  const first = sequence + 1;
  sequence += Math.max(1, events.length);
  return {
    events: events.map((e) => {
      const id = e.resourceId ?? randomUUID();
      const collection = e.category === 'INVOICE' ? 'Invoices' : e.category === 'CONTACT' ? 'Contacts' : 'CreditNotes';
      return {
        resourceUrl: `${apiUrl}/api.xro/2.0/${collection}/${id}`,
        resourceId: id,
        eventDateUtc: e.eventDateUtc ?? xeroUtcNow(),
        eventType: e.type,
        eventCategory: e.category,
        tenantId,
        tenantType: 'ORGANISATION',
      };
    }),
    firstEventSequence: first,
    lastEventSequence: sequence,
    entropy: randomBytes(10).toString('hex').toUpperCase(),
  };
}

export async function deliverEvents(world: FakeWorld, contract: XeroContract | null, target: WebhookTarget, payload: unknown, opts: { wrongSignature?: boolean } = {}): Promise<DeliveryResult> {
  checked(world, contract, payload);
  const body = JSON.stringify(payload);
  const res = await post(world, target, body, opts.wrongSignature ? `${target.key}-wrong` : target.key);
  return { ...res, payload };
}

export interface IntentToReceiveResult {
  /** Both answers as Xero requires: 200 with no body to the signed batch, 401 to the mis-signed one. */
  passed: boolean;
  correctlySigned: number;
  wronglySigned: number;
}

export async function intentToReceive(world: FakeWorld, contract: XeroContract | null, target: WebhookTarget): Promise<IntentToReceiveResult> {
  const payload = () => ({ events: [], firstEventSequence: 0, lastEventSequence: 0, entropy: randomBytes(10).toString('hex').toUpperCase() });
  const good = await deliverEvents(world, contract, target, payload());
  const bad = await deliverEvents(world, contract, target, payload(), { wrongSignature: true });
  return { passed: good.status === 200 && good.body === '' && bad.status === 401, correctlySigned: good.status, wronglySigned: bad.status };
}
