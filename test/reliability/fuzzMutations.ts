// Hostile mutations of a request that is valid, or nearly: wrong types, huge strings,
// deep nesting, duplicate keys, NUL and lone surrogates, invalid UTF-8 bytes, wrong
// content types, broken or missing auth and signatures, garbage in the path and query.
// Each mutation runs at one stage of building the request (the JSON value, its text,
// its bytes, the headers, the URL), and some say the answer *must* be a 4xx: a request
// the service may not accept, even silently altered.
import fc from 'fast-check';
import { findUnstorableText } from '../../src/http/textSafety.ts';

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: Record<string, string> }
  | { kind: 'bytes'; bytes: Buffer; contentType: string | undefined };

/** How the route reads its body, which decides what it must refuse. */
export type BodyParser = 'none' | 'json' | 'raw' | 'form';

export interface Draft {
  method: string;
  pathTemplate: string;
  params: Record<string, string>;
  /** Query pairs, raw (encoded when the URL is built); `rawQuery` replaces them when set. */
  query: [string, string][];
  rawQuery?: string;
  headers: Record<string, string>;
  body: Body;
  parser: BodyParser;
  /** Tenant routes: headers of a request as A with another role (or none) can replace these. */
  auth: 'tenant' | 'public';
  /** Webhooks: adds the signature of the final bytes (a signature mutation may break it). */
  sign?: (bytes: Buffer, headers: Record<string, string>, d: Draft) => void;
  /** Raw JSON text replacing a placeholder in the body (nesting deeper than JSON.stringify can write). */
  rawText?: string;
  tags: string[];
  /** Why the answer must be a 4xx, when it must. */
  mustReject: string | null;
}

export type Stage = 'value' | 'text' | 'bytes' | 'headers' | 'url';
export interface Mutation {
  stage: Stage;
  apply(d: Draft, text: { value: string | Buffer }): void;
}

const ORDER: Stage[] = ['value', 'text', 'bytes', 'headers', 'url'];
export const byStage = (ms: readonly Mutation[]) => [...ms].sort((x, y) => ORDER.indexOf(x.stage) - ORDER.indexOf(y.stage));

export const reject = (d: Draft, why: string) => {
  d.mustReject ??= why;
};

/** Every path to a node of a JSON value ([] is the root). */
function nodePaths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (out.length > 200) return out;
  if (Array.isArray(v)) v.forEach((x, i) => nodePaths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) nodePaths(x, [...prefix, k], out);
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...(root as unknown[])];
    copy[head as number] = setAt(copy[head as number], rest, value);
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  copy[head as string] = setAt(copy[head as string], rest, value);
  return copy;
}

const jsonValueMutation = (pick: number, replace: (old: unknown) => unknown, after?: (d: Draft) => void): Mutation => ({
  stage: 'value',
  apply(d) {
    if (d.body.kind !== 'json') return;
    const paths = nodePaths(d.body.value);
    const path = paths[pick % paths.length]!;
    let old: unknown = d.body.value;
    for (const p of path) old = (old as Record<string | number, unknown>)[p];
    d.body = { kind: 'json', value: setAt(d.body.value, path, replace(old)) };
    after?.(d);
  },
});

/** A string leaf (or a new key when there is none) holding `s`. */
const stringLeafMutation = (pick: number, s: string, tag: string): Mutation => ({
  stage: 'value',
  apply(d) {
    if (d.body.kind !== 'json') return;
    const paths = nodePaths(d.body.value);
    const strings = paths.filter((p) => {
      let v: unknown = (d.body as { value: unknown }).value;
      for (const k of p) v = (v as Record<string | number, unknown>)[k];
      return typeof v === 'string';
    });
    const value = d.body.value;
    if (strings.length > 0) d.body = { kind: 'json', value: setAt(value, strings[pick % strings.length]!, s) };
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) d.body = { kind: 'json', value: { ...value, [s]: 'x' } };
    else return;
    // Whether it must be refused is decided on the final bytes (jsonVerdict): a later mutation may remove it again.
    d.tags.push(tag);
  },
});

const ODD_VALUES: unknown[] = [0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, true, false, null, '', ' ', '0', 'null', [], {}, [null], { a: {} }, 'x'.repeat(300)];

/** Placeholder swapped for raw JSON text after serialisation (nesting deeper than JSON.stringify's stack). */
const RAW = '\u0001fuzz-raw\u0001';
const deep = (depth: number, open: string, close: string, leaf: string) => `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;

// Weighted so that the cheap, common breakages dominate and the expensive ones (a 1 MB
// string, 100,000 levels of nesting) still appear a few times per hundred cases.
export const valueMutations: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...ODD_VALUES)).map(([p, odd]) => jsonValueMutation(p, () => odd)) },
  {
    weight: 3,
    arbitrary: fc.nat().map((p) =>
      jsonValueMutation(p, (old) => {
        if (old === null || typeof old !== 'object' || Array.isArray(old)) return old;
        const keys = Object.keys(old);
        return Object.fromEntries(Object.entries(old).filter(([k]) => k !== keys[p % Math.max(keys.length, 1)]));
      }),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 12 })).map(([p, k]) =>
      jsonValueMutation(p, (old) => (old !== null && typeof old === 'object' && !Array.isArray(old) ? { ...old, [k]: 1 } : old)),
    ),
  },
  { weight: 3, arbitrary: fc.nat().map((p) => stringLeafMutation(p, 'a\u0000b', 'NUL in a JSON string')) },
  { weight: 3, arbitrary: fc.tuple(fc.nat(), fc.constantFrom('\ud800', 'x\udfff', '\udc00\ud800')).map(([p, s]) => stringLeafMutation(p, s, 'lone surrogate in a JSON string')) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.constantFrom(70_000, 1_100_000)).map(([p, n]) => jsonValueMutation(p, () => 'x'.repeat(n), (d) => void d.tags.push(`string of ${n}`))) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.constantFrom(20_000, 120_000)).map(([p, n]) => jsonValueMutation(p, () => Array.from({ length: n }, () => 1), (d) => void d.tags.push(`array of ${n}`))) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.nat(), fc.constantFrom(64, 2_000, 100_000), fc.boolean()).map(([p, depth, arrays]) =>
      jsonValueMutation(p, () => RAW, (d) => {
        d.rawText = arrays ? deep(depth, '[', ']', '1') : deep(depth, '{"a":', '}', '1');
        d.tags.push(`nesting ${depth}`);
      }),
    ),
  },
  { weight: 1, arbitrary: fc.nat().map((p) => jsonValueMutation(p, () => RAW, (d) => void (d.rawText = '1e400'))) },
);

/** Serialises a JSON body, expanding a deep-nesting placeholder. */
export function jsonText(value: unknown, rawText: string | undefined): string {
  const text = JSON.stringify(value) ?? 'null';
  return rawText === undefined ? text : text.replace(JSON.stringify(RAW), rawText);
}

export const textMutations: fc.Arbitrary<Mutation> = fc.oneof(
  // Duplicate keys: the same key twice, once with a wrong type; JSON.parse keeps the last.
  fc.tuple(fc.boolean(), fc.constantFrom('123', '"x"', 'null', '{}', '[]')).map(([first, dup]) => ({
    stage: 'text' as const,
    apply(_d: Draft, t: { value: string | Buffer }) {
      const s = String(t.value);
      const m = /^\{"((?:[^"\\]|\\.)*)":/.exec(s);
      if (!m) return;
      t.value = first ? `{"${m[1]}":${dup},${s.slice(1)}` : `${s.slice(0, -1)},"${m[1]}":${dup}}`;
    },
  })),
  fc.constantFrom(
    { tag: 'proto', edit: (s: string) => (s.startsWith('{') && s.length > 2 ? `{"__proto__":{"polluted":1},${s.slice(1)}` : s) },
    { tag: 'constructor', edit: (s: string) => (s.startsWith('{') && s.length > 2 ? `{"constructor":{"prototype":{"polluted":1}},${s.slice(1)}` : s) },
    { tag: 'bom', edit: (s: string) => `\ufeff${s}` },
    { tag: 'trailing garbage', edit: (s: string) => `${s}}{` },
    { tag: 'empty', edit: () => '' },
    { tag: 'whitespace', edit: () => ' \n\t ' },
    { tag: 'not json', edit: () => 'title=x&sku=y' },
    { tag: 'raw NUL', edit: (s: string) => s.replace('"', '"\u0000') },
  ).map(({ tag, edit }) => ({
    stage: 'text' as const,
    apply(d: Draft, t: { value: string | Buffer }) {
      t.value = edit(String(t.value));
      d.tags.push(tag);
    },
  })),
  fc.nat().map((cut) => ({
    stage: 'text' as const,
    apply(d: Draft, t: { value: string | Buffer }) {
      const s = String(t.value);
      if (s.length < 2) return;
      t.value = s.slice(0, 1 + (cut % (s.length - 1)));
      d.tags.push('truncated');
    },
  })),
);

const INVALID_UTF8 = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]];

export const bytesMutations: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([at, seq]) => ({
  stage: 'bytes' as const,
  apply(d: Draft, t: { value: string | Buffer }) {
    const buf = Buffer.isBuffer(t.value) ? t.value : Buffer.from(t.value, 'utf8');
    // Inside a string when there is one (after a quote), so only the encoding is wrong.
    const quotes = [...buf.entries()].filter(([, b]) => b === 0x22).map(([i]) => i + 1);
    const pos = quotes.length > 0 ? quotes[at % quotes.length]! : at % (buf.length + 1);
    t.value = Buffer.concat([buf.subarray(0, pos), Buffer.from(seq), buf.subarray(pos)]);
    d.tags.push('invalid UTF-8');
    if ((d.parser === 'json' || d.parser === 'raw') && d.method !== 'GET' && d.method !== 'HEAD') reject(d, 'invalid UTF-8');
  },
}));

const CONTENT_TYPES: [string | null, boolean][] = [
  [null, true],
  ['text/plain', true],
  ['application/x-www-form-urlencoded', true],
  ['multipart/form-data; boundary=fuzz', true],
  ['application/octet-stream', true],
  ['garbage', true],
  ['application/jsonx', true],
  ['application/json; charset=utf-8', false],
  ['Application/JSON', false],
  ['application/json; charset=utf-16', false],
  ['application/vnd.api+json', true],
  ['application/json, text/plain', true],
];

export const contentTypeMutations: fc.Arbitrary<Mutation> = fc.constantFrom(...CONTENT_TYPES).map(([ct, wrong]) => ({
  stage: 'headers' as const,
  apply(d: Draft, t: { value: string | Buffer }) {
    // One content type per request: a second would overwrite the first and its verdict.
    if (d.body.kind === 'none' || d.tags.some((tag) => tag.startsWith('content-type '))) return;
    if (ct === null) delete d.headers['content-type'];
    else d.headers['content-type'] = ct;
    d.tags.push(`content-type ${ct ?? 'missing'}`);
    // An empty body has no type to get wrong (auth-url takes "no body" as "show the connect page").
    if (wrong && d.parser === 'json' && t.value.length > 0) reject(d, `content-type ${ct ?? 'missing'}`);
  },
}));

export const signatureMutations: fc.Arbitrary<Mutation> = fc.constantFrom('drop', 'garbage', 'stale').map((how) => ({
  stage: 'headers' as const,
  apply(d: Draft) {
    if (!d.sign) return;
    const sign = d.sign;
    d.sign = (bytes, headers, draft) => {
      if (how === 'drop') return;
      // A signature of other bytes: right key, wrong body.
      sign(how === 'stale' ? Buffer.concat([bytes, Buffer.from(' ')]) : Buffer.from('garbage'), headers, draft);
      if (how === 'garbage') for (const k of Object.keys(headers)) if (/signature|hmac|secret/i.test(k)) headers[k] = 'AAAA';
    };
    d.tags.push(`signature ${how}`);
    reject(d, `signature ${how}`);
  },
}));

const GARBAGE_SEGMENTS = ['', '..', '%2e%2e', 'a%2Fb', '%00', '%ff', '%', 'x'.repeat(300), '\u00e9\u4e2d', '%F0%9F%92%A9', ' ', '*', 'conn_', 'null', '-1', '1e3'];

export const urlMutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom(...GARBAGE_SEGMENTS)).map(([i, g]) => ({
    stage: 'url' as const,
    apply(d: Draft) {
      const names = Object.keys(d.params);
      if (names.length === 0) return;
      // Marked raw with a leading NUL so the URL builder does not encode it again.
      d.params[names[i % names.length]!] = `\u0000${g}`;
      d.tags.push('garbage path segment');
    },
  })),
  fc.tuple(
    fc.array(fc.tuple(fc.constantFrom('limit', 'offset', 'cursor', 'status', 'format', 'exp', 'sig', 'kid', '__proto__', 'constructor', 'state', 'code', 'a[]', 'x'), fc.constantFrom('', '-1', 'abc', '1.5', '1e9', '%ff', '%00', 'x'.repeat(5000), 'null', '[]', '0', '200', '201', 'all')), { minLength: 1, maxLength: 4 }),
    fc.boolean(),
  ).map(([pairs, replace]) => ({
    stage: 'url' as const,
    apply(d: Draft) {
      // Values here are already percent-encoded text (so %ff stays an invalid escape).
      const extra = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
      d.rawQuery = replace ? extra : [d.rawQuery ?? encodeQuery(d.query), extra].filter(Boolean).join('&');
      d.tags.push('garbage query');
    },
  })),
);

export const encodeQuery = (q: [string, string][]) => q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** The URL of a draft: params encoded unless a mutation put raw text there. */
export function urlOf(d: Draft): string {
  const path = d.pathTemplate.replace(/:([A-Za-z0-9_]+)|\*/g, (m, name: string | undefined) => {
    const v = d.params[name ?? '*'] ?? '';
    if (v.startsWith('\u0000')) return v.slice(1);
    return m === '*' ? v.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(v);
  });
  const q = d.rawQuery ?? encodeQuery(d.query);
  return q === '' ? path : `${path}?${q}`;
}

/** Applies the mutations stage by stage and serialises: the exact request to send. */
export interface BuiltRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  tags: string[];
  mustReject: string | null;
}

export function buildRequest(base: Draft, mutations: readonly Mutation[]): BuiltRequest {
  const d: Draft = { ...base, params: { ...base.params }, query: [...base.query], headers: { ...base.headers }, tags: [...base.tags] };
  const ordered = byStage(mutations);
  const run = (stage: Stage, t: { value: string | Buffer }) => ordered.filter((m) => m.stage === stage).forEach((m) => m.apply(d, t));
  const t: { value: string | Buffer } = { value: '' };
  run('value', t);
  const body = d.body;
  if (body.kind === 'json') {
    t.value = jsonText(body.value, d.rawText);
    d.headers['content-type'] ??= 'application/json';
  } else if (body.kind === 'form') {
    t.value = new URLSearchParams(body.fields).toString();
    d.headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else if (body.kind === 'bytes') {
    t.value = body.bytes;
    if (body.contentType !== undefined) d.headers['content-type'] ??= body.contentType;
  }
  if (body.kind !== 'none') {
    run('text', t);
    const verdict = typeof t.value === 'string' ? jsonVerdict(t.value) : null;
    run('bytes', t);
    run('headers', t);
    const type = (d.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (verdict !== null && d.parser === 'json' && type === 'application/json' && d.method !== 'GET' && d.method !== 'HEAD') reject(d, verdict);
  } else {
    run('headers', t);
  }
  run('url', t);
  const bytes = body.kind === 'none' ? undefined : Buffer.isBuffer(t.value) ? t.value : Buffer.from(t.value, 'utf8');
  if (d.sign) d.sign(bytes ?? Buffer.alloc(0), d.headers, d);
  return { method: d.method, url: urlOf(d), headers: d.headers, body: bytes, tags: d.tags, mustReject: d.mustReject };
}

/**
 * What a JSON route must refuse in this text, whatever mutations produced it: text that is
 * not JSON (an empty body included), NUL or a lone surrogate in any string or key, a
 * __proto__ key or constructor.prototype anywhere. Null when the text may be accepted.
 */
export function jsonVerdict(text: string): string | null {
  let parsed: unknown;
  try {
    // The strict decoder drops a leading BOM before parsing, as the app's parser does.
    parsed = JSON.parse(text.replace(/^\ufeff/, ''));
  } catch {
    return text.trim() === '' ? 'empty JSON body' : 'not JSON';
  }
  if (findUnstorableText(parsed) !== null) return 'NUL or lone surrogate in the JSON';
  const stack: unknown[] = [parsed];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    for (const [k, child] of Object.entries(v)) {
      if (k === '__proto__') return '__proto__ key';
      if (k === 'constructor' && child !== null && typeof child === 'object' && 'prototype' in child) return 'constructor.prototype key';
      stack.push(child);
    }
  }
  return null;
}
