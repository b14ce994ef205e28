// Finds registered secrets in captured log lines. Cheap on a whole run's logs (tens of MB):
// each secret is reduced to an anchor, its longest run of [A-Za-z0-9_-] characters (the
// random part of a token, a key's base64 between its '+' and '/'), and the logs are split
// into such runs once, deduplicated; only a line holding an anchor is checked for the full
// secret. A secret with no anchor of 10+ characters is searched for directly.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Secret {
  /** What it is, for the report: "bearer token", "webhook secret", "credentials.refreshToken". */
  what: string;
  value: string;
}

export interface Leak {
  what: string;
  /** Where: capture file and 1-based line. */
  file: string;
  line: number;
  /** The line, with the secret masked, cut to 300 characters. */
  excerpt: string;
}

const WORD = /[A-Za-z0-9_-]+/g;
const MIN_ANCHOR = 10;
/** Shorter values are not distinctive enough to search for: they would match ordinary text. */
export const MIN_SECRET_LENGTH = 12;

function anchorOf(value: string): string | null {
  let best = '';
  for (const m of value.matchAll(WORD)) if (m[0].length > best.length) best = m[0];
  return best.length >= MIN_ANCHOR ? best : null;
}

/** Scans `lines` of one capture file; `file` only labels the report. */
export function findLeaks(secrets: Secret[], lines: string[], file: string): Leak[] {
  // Anchors indexed by their first MIN_ANCHOR characters: a log word holds an anchor exactly
  // when one of its MIN_ANCHOR-character windows starts one, so each word costs its length.
  const byPrefix = new Map<string, { anchor: string; secret: Secret }[]>();
  const unanchored: Secret[] = [];
  for (const s of secrets) {
    if (s.value.length < MIN_SECRET_LENGTH) continue;
    const anchor = anchorOf(s.value);
    if (anchor === null) unanchored.push(s);
    else {
      const key = anchor.slice(0, MIN_ANCHOR);
      byPrefix.set(key, [...(byPrefix.get(key) ?? []), { anchor, secret: s }]);
    }
  }
  // Log words repeat (ids, paths, messages): each distinct word is looked up once.
  const memo = new Map<string, Secret[]>();
  const candidatesIn = (word: string): Secret[] => {
    let found = memo.get(word);
    if (found) return found;
    found = [];
    for (let i = 0; i + MIN_ANCHOR <= word.length; i++) {
      for (const { anchor, secret } of byPrefix.get(word.slice(i, i + MIN_ANCHOR)) ?? []) if (word.startsWith(anchor, i)) found.push(secret);
    }
    if (memo.size > 500_000) memo.clear();
    memo.set(word, found);
    return found;
  };
  const leaks: Leak[] = [];
  lines.forEach((text, i) => {
    const candidates = new Set<Secret>(unanchored);
    for (const m of text.matchAll(WORD)) if (m[0].length >= MIN_ANCHOR) candidatesIn(m[0]).forEach((s) => candidates.add(s));
    for (const s of candidates) {
      if (text.includes(s.value)) leaks.push({ what: s.what, file, line: i + 1, excerpt: text.split(s.value).join('[SECRET]').slice(0, 300) });
    }
  });
  return leaks;
}

/** Reads a capture directory: secrets-*.jsonl (one {what, value} per line) and logs-*.jsonl. */
export function scanCaptureDir(dir: string): { leaks: Leak[]; secrets: number; lines: number } {
  const files = readdirSync(dir);
  const secrets = new Map<string, Secret>();
  for (const f of files.filter((n) => n.startsWith('secrets-'))) {
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (l === '') continue;
      const s = JSON.parse(l) as Secret;
      secrets.set(s.value, s);
    }
  }
  const leaks: Leak[] = [];
  let lines = 0;
  for (const f of files.filter((n) => n.startsWith('logs-'))) {
    const content = readFileSync(join(dir, f), 'utf8').split('\n');
    lines += content.length;
    leaks.push(...findLeaks([...secrets.values()], content, f));
  }
  return { leaks, secrets: secrets.size, lines };
}
