// Schemas shared by several endpoints.
import { Type, type Static } from '@sinclair/typebox';

export const ErrorBody = Type.Object({ error: Type.String() }, { $id: 'Error' });
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
} as const;

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });
export type IdParams = Static<typeof IdParams>;

/** Security requirement shown in the OpenAPI document for tenant routes. */
export const tenantSecurity = [{ bearer: [], tenant: [], org: [] }];
