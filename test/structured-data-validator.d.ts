// Types for @adobe/structured-data-validator (plain JS, no bundled types): the surface the tests use.
declare module '@adobe/structured-data-validator' {
  export default class Validator {
    constructor(schemaOrgJson: unknown);
    debug: boolean;
    validate(data: { jsonld?: Record<string, unknown[]>; microdata?: Record<string, unknown[]>; rdfa?: Record<string, unknown[]> }): Promise<unknown[]>;
  }
}
