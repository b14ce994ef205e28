// How a provider declares and reads its environment variables. Each provider folder
// lists its variables once (names, meaning, default, which are secrets) and parses them
// through an EnvReader that refuses to read anything it did not declare, so the list that
// feeds the README's configuration table and `synq env` cannot drift from what is read.
// Problems are collected, never thrown: loadConfig reports every one at once.

export type Env = Record<string, string | undefined>;

/** One README row: one or more variables documented together. */
export interface EnvVarRow {
  vars: readonly string[];
  /** Which of `vars` hold credentials: `synq env` shows only whether they are set. */
  secrets?: readonly string[];
  meaning: string;
  /** The default, as a human reads it (markdown). */
  default: string;
}

/** Reading a variable the provider did not declare: a bug in the provider folder, not an operator error. */
export class UndeclaredEnvVarError extends Error {
  constructor(name: string, provider: string) {
    super(`provider "${provider}" read ${name} without declaring it in its config spec`);
    this.name = 'UndeclaredEnvVarError';
  }
}

export class EnvReader {
  private readonly declared: ReadonlySet<string>;

  constructor(
    private readonly env: Env,
    rows: readonly EnvVarRow[],
    private readonly problems: string[],
    /** NODE_ENV=production: development-only switches are refused and origins must be https. */
    readonly production: boolean,
    private readonly provider: string,
  ) {
    this.declared = new Set(rows.flatMap((r) => r.vars));
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** The raw value (undefined when unset). */
  raw(name: string): string | undefined {
    if (!this.declared.has(name)) throw new UndeclaredEnvVarError(name, this.provider);
    return this.env[name];
  }

  /** The value, or `fallback` when unset or empty. */
  text(name: string, fallback = ''): string {
    const v = this.raw(name);
    return v === undefined || v === '' ? fallback : v;
  }

  /**
   * An origin (scheme://host[:port][/path]) without trailing slashes; `fallback` when unset,
   * or when the value is invalid (after reporting it).
   */
  origin(name: string, fallback: string, protocols: readonly string[]): string {
    const raw = this.raw(name);
    if (raw === undefined || raw === '') return fallback;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) {
        this.problem(`${name} must use ${protocols.join(' or ')}, got "${u.protocol}"`);
        return fallback;
      }
    } catch {
      this.problem(`${name} is not a valid URL`);
      return fallback;
    }
    return raw.replace(/\/+$/, '');
  }

  /** true / false / 1 / 0, unset = false; anything else is a problem. */
  flag(name: string): boolean {
    const raw = this.raw(name) ?? '';
    if (!['', 'true', 'false', '1', '0'].includes(raw)) this.problem(`${name} must be true or false`);
    return raw === 'true' || raw === '1';
  }

  /** An integer in [min, max]; `fallback` when unset or invalid (after reporting it). */
  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problem(`${name} must be an integer ${min}-${max}`);
      return fallback;
    }
    return n;
  }

  /** Credentials that only work as a pair (or trio): all set or none. */
  together(names: readonly string[]): void {
    const set = names.filter((n) => (this.raw(n) ?? '') !== '').length;
    if (set !== 0 && set !== names.length) {
      const list = names.length === 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
      this.problem(`${list} must be set together`);
    }
  }
}
