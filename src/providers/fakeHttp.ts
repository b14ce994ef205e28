// Small HTTP helpers every local fake provider shares (the fakes use node:http directly
// so that they control status codes, headers and bodies byte for byte).
import type { IncomingMessage } from 'node:http';

/** Reads the whole request body as UTF-8, refusing anything over `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes = 5 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A control-API body as an object: empty, or anything that is not an object, is `{}`. Throws on invalid JSON. */
export function jsonObject(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  const v = JSON.parse(raw) as unknown;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
