// Inbound QuickBooks webhooks. `intuit-signature` is the base64 HMAC-SHA256 of the raw body
// under the app's verifier token. One delivery batches entity changes of several companies,
// in one of two shapes Intuit documents (developer.intuit.com, "Webhooks"):
//   legacy:      {"eventNotifications":[{"realmId","dataChangeEvent":{"entities":[{"name","id","operation","lastUpdated"}]}}]}
//   CloudEvents: [{"specversion":"1.0","id","source","type":"qbo.<entity>.<operation>.v1","time","intuitaccountid","intuitentityid",…}]
// Intuit publishes no JSON Schema for either: the schemas below are ours, written by hand from
// those documented shapes (required fields as documented, unknown extra fields tolerated so a
// new field Intuit adds does not drop events). Each entity change becomes one event
// `accounting.<entity>.<operation>` for the company it names.
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { verifyHmacSha256 } from '../../lib/signatures.ts';
import { compileValidator } from '../../lib/validate.ts';
import { ProviderError, type InboundEvent } from '../types.ts';
import { header } from '../../lib/headers.ts';

type Headers = Record<string, string | string[] | undefined>;

const RealmId = Type.String({ pattern: '^[0-9]{1,32}$' });
const EntityName = Type.String({ pattern: '^[A-Za-z]{1,64}$' });

export const LegacyNotification = Type.Object({
  eventNotifications: Type.Array(
    Type.Object({
      realmId: RealmId,
      dataChangeEvent: Type.Object({
        entities: Type.Array(
          Type.Object({
            name: EntityName,
            id: Type.String({ minLength: 1, maxLength: 64 }),
            operation: Type.String({ pattern: '^[A-Za-z]{1,32}$' }),
            lastUpdated: Type.String({ minLength: 1, maxLength: 64 }),
            deletedId: Type.Optional(Type.String({ maxLength: 64 })),
          }),
          { maxItems: 1000 },
        ),
      }),
    }),
    { minItems: 1, maxItems: 1000 },
  ),
});

export const CloudEventsNotification = Type.Array(
  Type.Object({
    specversion: Type.Literal('1.0'),
    id: Type.String({ minLength: 1, maxLength: 255 }),
    source: Type.String({ minLength: 1, maxLength: 500 }),
    type: Type.String({ pattern: '^qbo\\.[A-Za-z]{1,64}\\.[A-Za-z]{1,32}\\.v[0-9]+$' }),
    time: Type.Optional(Type.String({ maxLength: 64 })),
    intuitaccountid: RealmId,
    intuitentityid: Type.String({ minLength: 1, maxLength: 64 }),
    data: Type.Optional(Type.Unknown()),
  }),
  { minItems: 1, maxItems: 1000 },
);

const checkLegacy = compileValidator(LegacyNotification);
const checkCloud = compileValidator(CloudEventsNotification);

/** Intuit's operation verbs as past-tense event suffixes. */
const OPERATIONS: Record<string, string> = {
  create: 'created',
  created: 'created',
  update: 'updated',
  updated: 'updated',
  delete: 'deleted',
  deleted: 'deleted',
  merge: 'merged',
  merged: 'merged',
  void: 'voided',
  voided: 'voided',
  emailed: 'emailed',
};

export function eventName(entity: string, operation: string): string {
  const op = operation.toLowerCase();
  return `accounting.${entity.toLowerCase()}.${Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op]! : op}`;
}

export function verifyQboWebhook(verifierToken: string, rawBody: Buffer, headers: Headers): boolean {
  // An unset verifier token rejects everything (verifyHmacSha256 answers false for an empty key).
  return verifyHmacSha256(verifierToken, rawBody, header(headers, 'intuit-signature'), 'base64');
}

/** Dedupe keys are at most 255 characters; a longer natural key is hashed rather than dropped. */
const boundedKey = (k: string) => (k.length <= 255 ? k : `sha256:${createHash('sha256').update(k).digest('hex')}`);

export interface AccountingChange {
  realmId: string;
  entity: string;
  id: string;
  operation: string;
  lastUpdated: string | null;
}

/** Call only after verifyQboWebhook. Throws ProviderError('VALIDATION') for a body that matches neither shape. */
export function splitQboWebhook(rawBody: Buffer): { account: string; inbound: InboundEvent }[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    throw new ProviderError('VALIDATION', 'QuickBooks webhook body is not JSON');
  }
  const out: { account: string; inbound: InboundEvent }[] = [];
  if (Array.isArray(body)) {
    const r = checkCloud(body);
    if (!r.ok) throw new ProviderError('VALIDATION', `QuickBooks webhook (CloudEvents) ${r.error}`);
    for (const e of r.value) {
      const [, entity = '', operation = ''] = e.type.split('.');
      const data: AccountingChange = { realmId: e.intuitaccountid, entity, id: e.intuitentityid, operation, lastUpdated: e.time ?? null };
      out.push({ account: e.intuitaccountid, inbound: { event: eventName(entity, operation), providerEventId: boundedKey(`ce:${e.id}`), data } });
    }
    return out;
  }
  const r = checkLegacy(body);
  if (!r.ok) throw new ProviderError('VALIDATION', `QuickBooks webhook ${r.error}`);
  for (const n of r.value.eventNotifications) {
    for (const e of n.dataChangeEvent.entities) {
      const data: AccountingChange = { realmId: n.realmId, entity: e.name, id: e.id, operation: e.operation, lastUpdated: e.lastUpdated };
      // Intuit redelivers a notification it thinks failed: the change itself is the identity.
      out.push({ account: n.realmId, inbound: { event: eventName(e.name, e.operation), providerEventId: boundedKey(`${n.realmId}:${e.name}:${e.id}:${e.operation}:${e.lastUpdated}`), data } });
    }
  }
  return out;
}
