// PostgreSQL text and jsonb cannot store U+0000, and an unpaired UTF-16 surrogate
// would be silently replaced with U+FFFD on the way in. Both are refused as client
// errors before any handler runs, rather than surfacing as a 500 or as changed data.

// String.prototype.isWellFormed is ES2024 in TypeScript's libs; this is the same test on code units.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

/** The first offending string's path, or null when every key and string value is storable. */
export function findUnstorableText(value: unknown): string | null {
  // Iterative walk: a 10 MB body can nest deeper than the call stack allows.
  const stack: [unknown, string][] = [[value, 'body']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (unstorable(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (unstorable(k)) return `${path} (a key)`;
        stack.push([child, `${path}/${k}`]);
      }
    }
  }
  return null;
}
