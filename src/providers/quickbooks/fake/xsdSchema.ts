// Request-body validation for the fake, derived from Intuit's published XSDs
// (../shared/contracts/quickbooks: Finance.xsd + IntuitBaseTypes.xsd, Apache-2.0, see MANIFEST.tsv).
// Intuit publishes no JSON Schema for the Accounting API's JSON; this module derives one from
// the XSD for an entity's complexType, following the JSON mapping Intuit's own SDKs use:
//   element             -> property of the same name (unknown properties rejected)
//   maxOccurs > 1       -> array
//   simpleType          -> its base type, with its enumeration (ItemTypeEnum: "Inventory", …)
//   xs:decimal/int/bool -> number / integer / boolean; xs:date -> "YYYY-MM-DD"
//   simpleContent       -> object with "value" plus its attributes (ReferenceType: {value, name, type})
//   attribute           -> property (IntuitEntity's domain, status, sparse)
//   extension base      -> the base type's properties first (Item extends IntuitEntity)
// Only the subset of XSD those files use for entities is read; anything else makes the derived
// schema permissive at that spot and is listed in `unsupported`, so a gap is visible, not silent.
// The XML parser (fast-xml-parser, a devDependency) is imported lazily: without it the fake runs
// unvalidated and says so.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export const DEFAULT_CONTRACT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/contracts/quickbooks');
const FILES = ['IntuitBaseTypes.xsd', 'Finance.xsd'];

type Node = Record<string, unknown>;
type JsonSchema = Record<string, unknown>;

const ARRAYS = new Set(['element', 'complexType', 'simpleType', 'enumeration', 'attribute', 'sequence', 'choice']);

const asNodes = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v !== undefined && v !== null && typeof v === 'object' ? [v as Node] : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const local = (qname: string) => qname.replace(/^[A-Za-z0-9_-]+:/, '');

const BUILTINS: Record<string, JsonSchema> = {
  string: { type: 'string' },
  normalizedString: { type: 'string' },
  token: { type: 'string' },
  anyURI: { type: 'string' },
  base64Binary: { type: 'string' },
  boolean: { type: 'boolean' },
  decimal: { type: 'number' },
  double: { type: 'number' },
  float: { type: 'number' },
  int: { type: 'integer' },
  integer: { type: 'integer' },
  long: { type: 'integer' },
  short: { type: 'integer' },
  byte: { type: 'integer' },
  positiveInteger: { type: 'integer', minimum: 1 },
  nonNegativeInteger: { type: 'integer', minimum: 0 },
  unsignedInt: { type: 'integer', minimum: 0 },
  date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  dateTime: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})?$' },
  time: { type: 'string' },
};

export interface XsdModel {
  complexTypes: Map<string, Node>;
  simpleTypes: Map<string, Node>;
  elements: Map<string, Node>;
}

export async function loadXsdModel(dir: string): Promise<XsdModel | null> {
  if (!FILES.every((f) => existsSync(join(dir, f)))) return null;
  let XMLParser: typeof import('fast-xml-parser').XMLParser;
  try {
    ({ XMLParser } = await import('fast-xml-parser'));
  } catch {
    return null;
  }
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, isArray: (name) => ARRAYS.has(name) });
  const model: XsdModel = { complexTypes: new Map(), simpleTypes: new Map(), elements: new Map() };
  for (const f of FILES) {
    const doc = parser.parse(readFileSync(join(dir, f), 'utf8')) as { schema?: Node };
    const schema = doc.schema ?? {};
    for (const n of asNodes(schema.complexType)) if (str(n.name)) model.complexTypes.set(str(n.name)!, n);
    for (const n of asNodes(schema.simpleType)) if (str(n.name)) model.simpleTypes.set(str(n.name)!, n);
    for (const n of asNodes(schema.element)) if (str(n.name)) model.elements.set(str(n.name)!, n);
  }
  return model;
}

/** Converts complexTypes to JSON Schema definitions, recursively, each once. */
export class XsdToJsonSchema {
  readonly defs: Record<string, JsonSchema> = {};
  readonly unsupported = new Set<string>();

  constructor(private readonly model: XsdModel) {}

  /** The schema of a named type (built-in, simpleType or complexType). */
  typeRef(qname: string): JsonSchema {
    const name = local(qname);
    if (qname.startsWith('xs:') || qname.startsWith('xsd:')) {
      const b = BUILTINS[name];
      if (b === undefined) this.unsupported.add(`builtin ${qname}`);
      return b ?? {};
    }
    const simple = this.model.simpleTypes.get(name);
    if (simple) return this.simpleType(simple);
    if (this.model.complexTypes.has(name)) {
      this.complexDef(name);
      return { $ref: `#/$defs/${name}` };
    }
    this.unsupported.add(`type ${qname}`);
    return {};
  }

  private simpleType(node: Node): JsonSchema {
    const [restriction] = asNodes(node.restriction);
    if (restriction === undefined) {
      this.unsupported.add(`simpleType ${str(node.name) ?? '(anonymous)'} without restriction`);
      return { type: 'string' };
    }
    const base = this.typeRef(str(restriction.base) ?? 'xs:string');
    const out: JsonSchema = { ...base };
    const values = asNodes(restriction.enumeration).map((e) => str(e.value)).filter((v): v is string => v !== undefined);
    if (values.length > 0) out.enum = values;
    const maxLength = asNodes(restriction.maxLength)[0];
    if (maxLength && str(maxLength.value)) out.maxLength = Number(maxLength.value);
    return out;
  }

  complexDef(name: string): void {
    if (name in this.defs) return;
    this.defs[name] = {}; // placeholder: breaks recursion (a type that contains itself)
    const node = this.model.complexTypes.get(name);
    this.defs[name] = node ? this.complexType(node) : {};
  }

  private complexType(node: Node): JsonSchema {
    const props: Record<string, JsonSchema> = {};
    const required: string[] = [];
    const [complexContent] = asNodes(node.complexContent);
    const [simpleContent] = asNodes(node.simpleContent);
    let body: Node = node;
    if (complexContent) {
      const [ext] = asNodes(complexContent.extension);
      if (ext === undefined) {
        this.unsupported.add(`complexContent restriction in ${str(node.name) ?? '(anonymous)'}`);
        return {};
      }
      const baseName = local(str(ext.base) ?? '');
      const base = this.model.complexTypes.get(baseName);
      if (base) {
        const baseSchema = this.complexType(base);
        Object.assign(props, baseSchema.properties as Record<string, JsonSchema> | undefined);
        required.push(...((baseSchema.required as string[] | undefined) ?? []));
      } else this.unsupported.add(`extension base ${baseName}`);
      body = ext;
    } else if (simpleContent) {
      const [ext] = asNodes(simpleContent.extension);
      props.value = this.typeRef(str(ext?.base) ?? 'xs:string');
      required.push('value');
      body = ext ?? {};
    }
    this.particles(body, props, required, false);
    for (const a of asNodes(body.attribute)) {
      const n = str(a.name);
      if (n) props[n] = this.typeRef(str(a.type) ?? 'xs:string');
    }
    const out: JsonSchema = { type: 'object', properties: props, additionalProperties: false };
    if (required.length > 0) out.required = [...new Set(required)];
    return out;
  }

  /** Elements of sequences and choices (nested), into props. Choice members are never required. */
  private particles(node: Node, props: Record<string, JsonSchema>, required: string[], inChoice: boolean): void {
    for (const seq of asNodes(node.sequence)) {
      this.elements(seq, props, required, inChoice);
      this.particles(seq, props, required, inChoice);
    }
    for (const ch of asNodes(node.choice)) {
      this.elements(ch, props, required, true);
      this.particles(ch, props, required, true);
    }
  }

  private elements(group: Node, props: Record<string, JsonSchema>, required: string[], inChoice: boolean): void {
    for (const el of asNodes(group.element)) {
      const decl = str(el.ref) ? this.model.elements.get(local(str(el.ref)!)) ?? el : el;
      const name = str(decl.name) ?? (str(el.ref) ? local(str(el.ref)!) : undefined);
      if (name === undefined) continue;
      let schema: JsonSchema;
      if (str(decl.type)) schema = this.typeRef(str(decl.type)!);
      else if (asNodes(decl.complexType)[0]) schema = this.complexType(asNodes(decl.complexType)[0]!);
      else if (asNodes(decl.simpleType)[0]) schema = this.simpleType(asNodes(decl.simpleType)[0]!);
      else {
        this.unsupported.add(`element ${name} without a type`);
        schema = {};
      }
      const max = str(el.maxOccurs) ?? '1';
      if (max === 'unbounded' || Number(max) > 1) schema = { type: 'array', items: schema };
      props[name] = schema;
      if (!inChoice && (str(el.minOccurs) ?? '1') !== '0') required.push(name);
    }
  }
}

export interface EntityValidator {
  validate: ValidateFunction;
  /** The entity's element names, for checking query field names. */
  fields: Set<string>;
}

export interface QboContract {
  source: string;
  entities: Map<string, EntityValidator>;
  unsupported: string[];
}

/** Validators for the named entity complexTypes, or null when the XSDs (or the parser) are missing. */
export async function loadContract(dir: string, entityNames: readonly string[]): Promise<QboContract | null> {
  const model = await loadXsdModel(dir);
  if (model === null) return null;
  const conv = new XsdToJsonSchema(model);
  const ajv = new Ajv({ allErrors: true, strict: false });
  const entities = new Map<string, EntityValidator>();
  for (const name of entityNames) {
    conv.complexDef(name);
    const def = conv.defs[name] as { properties?: Record<string, unknown> };
    const validate = ajv.compile({ $ref: `#/$defs/${name}`, $defs: conv.defs });
    entities.set(name, { validate, fields: new Set(Object.keys(def.properties ?? {})) });
  }
  return { source: dir, entities, unsupported: [...conv.unsupported] };
}

/** Intuit's ValidationFault wording for a body the schema refuses. */
export function describeXsdErrors(errors: ErrorObject[] | null | undefined): { message: string; detail: string; element: string } {
  const e = errors?.find((x) => x.keyword === 'additionalProperties') ?? errors?.[0];
  if (e === undefined) return { message: 'Request has invalid or unsupported property', detail: 'Invalid request', element: '' };
  const path = e.instancePath.slice(1).replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') {
    const field = String((e.params as { additionalProperty?: unknown }).additionalProperty ?? '');
    const full = path ? `${path}.${field}` : field;
    return { message: 'Request has invalid or unsupported property', detail: `Property Name:Unrecognized field "${full}" specified is unsupported or invalid`, element: full };
  }
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
  return {
    message: 'Request has invalid or unsupported property',
    detail: `Property Name:${path || '(body)'} ${e.message ?? 'is invalid'}${allowed ? ` (${allowed.join(', ')})` : ''}`,
    element: path,
  };
}
