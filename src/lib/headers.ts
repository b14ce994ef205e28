// One header lookup for every inbound provider request: case-insensitive, and a
// repeated header is ambiguous, so it counts as absent (a signature check then fails).
export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted) return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}
