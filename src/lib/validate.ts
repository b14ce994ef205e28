// Validates values that do not arrive through a route schema (webhook bodies
// parsed after their signature checks out, payloads read back by the worker)
// with the same Ajv settings the app uses for request bodies: strict types, no coercion.
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsImport from 'ajv-formats';

// ajv-formats ships CJS with a default export; under NodeNext the callable is on .default.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

const ajv = addFormats(new Ajv({ coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false, strict: false }));

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'is invalid';
  const where = e.instancePath === '' ? '' : e.instancePath.slice(1).replace(/\//g, '.');
  return `${where ? `${where} ` : ''}${e.message ?? 'is invalid'}`.trim();
}

/** Compiles once; the returned function says what is wrong with the first offending field. */
export function compileValidator<S extends TSchema>(schema: S): (value: unknown) => Validated<Static<S>> {
  const check = ajv.compile(schema);
  return (value) => (check(value) ? { ok: true, value: value as Static<S> } : { ok: false, error: describe(check.errors) });
}
