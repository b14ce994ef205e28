// Offline validators for the catalog renditions, against the real vocabularies and
// schemas in ../shared/contracts/catalog. Test-only: never imported by src/.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import jsonld from 'jsonld';
import { XMLParser } from 'fast-xml-parser';
import Validator from '@adobe/structured-data-validator';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const CATALOG_CONTRACTS = join(resolve(repoRoot, '..', 'shared'), 'contracts', 'catalog');

/** The shared contracts are read in place; when absent the suites skip, loudly. */
export function catalogContractsAvailable(suite: string): boolean {
  const ok = existsSync(join(CATALOG_CONTRACTS, 'schemaorg-30.0', 'schemaorgcontext.jsonld'));
  if (!ok) console.warn(`[${suite}] skipped: ${CATALOG_CONTRACTS} is missing (the shared contracts live beside the repo)`);
  return ok;
}

const readJson = (rel: string): unknown => JSON.parse(readFileSync(join(CATALOG_CONTRACTS, rel), 'utf8'));

// ---- JSON-LD expansion with an offline loader -------------------------------------------

let contextDoc: unknown;
const SCHEMA_ORG_URLS = new Set(['https://schema.org', 'https://schema.org/', 'http://schema.org', 'http://schema.org/']);

/** Maps schema.org (any scheme, with or without the slash) to the local context; refuses everything else. */
export const offlineDocumentLoader = async (url: string) => {
  if (!SCHEMA_ORG_URLS.has(url)) throw new Error(`offline document loader refuses ${url}`);
  contextDoc ??= readJson('schemaorg-30.0/schemaorgcontext.jsonld');
  return { contextUrl: null, document: contextDoc, documentUrl: url };
};

export async function expand(doc: object): Promise<unknown[]> {
  // jsonld's types predate custom loaders returning plain objects; the runtime contract is what we meet.
  return (await jsonld.expand(doc as never, { documentLoader: offlineDocumentLoader as never })) as unknown[];
}

// ---- Vocabulary check against schemaorg-current-https.jsonld ----------------------------

interface Vocab {
  classes: Map<string, string[]>;
  properties: Map<string, string[]>;
  terms: Set<string>;
}
let vocab: Vocab | undefined;

function loadVocab(): Vocab {
  if (vocab) return vocab;
  const graph = (readJson('schemaorg-30.0/schemaorg-current-https.jsonld') as { '@graph': Record<string, unknown>[] })['@graph'];
  const ids = (v: unknown): string[] => (Array.isArray(v) ? v : v ? [v] : []).map((x) => String((x as { '@id': string })['@id']));
  const local = (id: string) => id.replace(/^schema:/, '');
  const classes = new Map<string, string[]>();
  const properties = new Map<string, string[]>();
  const terms = new Set<string>();
  for (const e of graph) {
    const id = String(e['@id']);
    if (!id.startsWith('schema:')) continue;
    terms.add(local(id));
    const types = Array.isArray(e['@type']) ? e['@type'] : [e['@type']];
    if (types.includes('rdfs:Class')) classes.set(local(id), ids(e['rdfs:subClassOf']).map(local));
    if (types.includes('rdf:Property')) properties.set(local(id), ids(e['schema:domainIncludes']).map(local));
  }
  vocab = { classes, properties, terms };
  return vocab;
}

function ancestors(v: Vocab, type: string): Set<string> {
  const out = new Set<string>();
  const stack = [type];
  while (stack.length) {
    const t = stack.pop()!;
    if (out.has(t)) continue;
    out.add(t);
    stack.push(...(v.classes.get(t) ?? []));
  }
  return out;
}

const SCHEMA_IRI = /^https?:\/\/schema\.org\//;

/**
 * Every @type is a schema.org class, every property a schema.org property whose domain
 * includes the node's type (or an ancestor), every schema.org IRI value a known term.
 * Returns problems; empty means valid.
 */
export function vocabularyProblems(expanded: unknown): string[] {
  const v = loadVocab();
  const problems: string[] = [];
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${path}[${i}]`));
    if (typeof node !== 'object' || node === null) return;
    const obj = node as Record<string, unknown>;
    // A value object ({"@value", "@type": datatype}) is a literal, not a node.
    if ('@value' in obj) return;
    if (typeof obj['@id'] === 'string' && SCHEMA_IRI.test(obj['@id']) && Object.keys(obj).length === 1) {
      const term = obj['@id'].replace(SCHEMA_IRI, '');
      if (!v.terms.has(term)) problems.push(`${path}: unknown schema.org term ${term}`);
    }
    const types = ((obj['@type'] as string[] | undefined) ?? []).map((t) => t.replace(SCHEMA_IRI, ''));
    for (const t of types) if (!v.classes.has(t)) problems.push(`${path}: unknown type ${t}`);
    const allowed = new Set(types.flatMap((t) => [...ancestors(v, t)]));
    for (const [key, value] of Object.entries(obj)) {
      if (key.startsWith('@')) {
        if (key === '@list' || key === '@set') visit(value, path);
        continue;
      }
      if (!SCHEMA_IRI.test(key)) {
        problems.push(`${path}: property outside schema.org: ${key}`);
        continue;
      }
      const prop = key.replace(SCHEMA_IRI, '');
      const domains = v.properties.get(prop);
      if (!domains) problems.push(`${path}: unknown property ${prop}`);
      else if (types.length > 0 && !domains.some((d) => allowed.has(d))) problems.push(`${path}: ${prop} does not apply to ${types.join(',')}`);
      visit(value, `${path}.${prop}`);
    }
  };
  visit(expanded, '$');
  return problems;
}

// ---- Adobe structured-data validator (Google's product / merchant listing rules) -------

let adobe: Validator | undefined;

export interface SdvIssue {
  severity: 'ERROR' | 'WARNING';
  issueMessage: string;
  rootType?: string;
}

/** Validates each item as a root (as if it were a page's JSON-LD block). */
export async function structuredDataIssues(items: Record<string, unknown>[]): Promise<SdvIssue[]> {
  adobe ??= new Validator(readJson('schemaorg-30.0/schemaorg-current-https.jsonld'));
  const byType: Record<string, unknown[]> = {};
  for (const item of items) {
    const t = String(item['@type']);
    (byType[t] ??= []).push({ '@context': 'https://schema.org', ...item });
  }
  return (await adobe.validate({ jsonld: byType })) as SdvIssue[];
}

// ---- ACP (ajv, draft 2020-12) -------------------------------------------------------------

const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020;
let acpValidate: ((v: unknown) => boolean) & { errors?: unknown } | undefined;

export function acpProblems(line: unknown): unknown[] {
  if (!acpValidate) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const schema = readJson('acp/spec/2026-04-17/json-schema/schema.feed.json') as { $id: string };
    ajv.addSchema(schema);
    acpValidate = ajv.getSchema(`${schema.$id}#/$defs/Product`) as typeof acpValidate;
  }
  return acpValidate!(line) ? [] : ((acpValidate!.errors as unknown[]) ?? ['invalid']);
}

// ---- Merchant Center RSS ------------------------------------------------------------------

export const MERCHANT_REQUIRED = ['g:id', 'g:title', 'g:description', 'g:link', 'g:image_link', 'g:price', 'g:availability', 'g:condition'] as const;

export function parseMerchantRss(xml: string): { channel: Record<string, unknown>; items: Record<string, unknown>[]; problems: string[] } {
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => name === 'item' || name === 'g:additional_image_link' });
  const doc = parser.parse(xml, true) as { rss?: { '@_version'?: string; '@_xmlns:g'?: string; channel?: Record<string, unknown> } };
  const problems: string[] = [];
  if (doc.rss?.['@_version'] !== '2.0') problems.push('rss version is not 2.0');
  if (doc.rss?.['@_xmlns:g'] !== 'http://base.google.com/ns/1.0') problems.push('g: namespace missing');
  const channel = doc.rss?.channel ?? {};
  const items = (channel.item as Record<string, unknown>[] | undefined) ?? [];
  for (const [i, item] of items.entries()) {
    for (const f of MERCHANT_REQUIRED) if (typeof item[f] !== 'string' || item[f] === '') problems.push(`item ${i}: ${f} missing`);
    if (typeof item['g:price'] === 'string' && !/^\d+(\.\d+)? [A-Z]{3}$/.test(item['g:price'])) problems.push(`item ${i}: g:price "${item['g:price']}"`);
    if (!['in_stock', 'out_of_stock', 'preorder', 'backorder'].includes(String(item['g:availability']))) problems.push(`item ${i}: g:availability`);
    if (item['g:gtin'] === undefined && item['g:identifier_exists'] !== 'no') problems.push(`item ${i}: neither g:gtin nor identifier_exists=no`);
  }
  return { channel, items, problems };
}
