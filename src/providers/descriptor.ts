// What a provider folder exports: one descriptor holding everything the rest of Synq
// needs to offer the provider, so adding a provider is its folder plus one row in
// registry.ts. Generic code reads these descriptors to parse configuration (config.ts),
// build connectors (registry.ts), register webhook routes (http/routes/webhooks/) and
// start local fakes (`synq sandbox`, cli/sandbox.ts).
import { EnvReader, type Env, type EnvVarRow } from './envSpec.ts';
import type { Connector, ProviderFacts } from './types.ts';

/** The provider's environment variables and how they become its typed settings. */
export interface ProviderConfigSpec<C> {
  /** Every variable the provider reads, as README rows. Reading one not listed here throws. */
  readonly vars: readonly EnvVarRow[];
  /** Reports problems through the reader (all collected, none thrown) and returns the settings. */
  parse(env: EnvReader): C;
}

/**
 * How the provider's webhooks come in. The route follows from `facts.webhookSigning`:
 * 'app-secret' → POST /unified/webhook/<id>, 'connection-secret' → POST /unified/webhook/<id>/<connection_id>.
 * Verification, pings and handshakes are the connector's (verifyWebhook, isWebhookPing, splitWebhook
 * answering [] for Xero's intent-to-receive); this says what the sender must get back.
 */
export interface WebhookIngress {
  /** OpenAPI summary of the route. */
  readonly summary: string;
  /**
   * 'event-ids': JSON with the stored event ids (or "ignored");
   * 'empty': an empty 200, for senders that require no body (Xero).
   */
  readonly reply: 'event-ids' | 'empty';
  /**
   * Set when the tenant, not Synq, points the sender at the connection's URL (Amazon: an
   * EventBridge API destination), so the tenant needs the URL, the header and the
   * connection's secret: GET /api/v1/integrations/connections/:id/inbound shows them (the
   * secret only as a hint), POST …/inbound/secret rotates the secret and shows it once.
   */
  readonly tenantForwarding?: {
    /** The request header that carries the connection's secret (compared by the connector's verifyWebhook). */
    readonly header: string;
    /** What the tenant configures on the sending side, in one paragraph. */
    readonly setup: string;
  };
}

export interface SandboxOption {
  readonly type: 'string' | 'boolean';
  readonly default?: string;
  /** Shown in the usage line: `--name <help>` for strings. */
  readonly help: string;
}

export type SandboxValues = Readonly<Record<string, string | boolean | undefined>>;

export interface SandboxStartOptions {
  port: number;
  /** Where Synq listens, for fakes that deliver webhooks (--synq-url). */
  synqUrl: string;
  /** false with --manual-approve: the consent page waits for a click. */
  autoApprove: boolean;
  /** The provider's own options (SandboxSpec.options), as parsed. */
  values: SandboxValues;
}

export interface RunningSandbox {
  url: string;
  /** False when the provider's contract was missing and the fake runs without request validation. */
  schemaValidated: boolean;
  /** The variables that point Synq at this fake (names from the provider's config spec). */
  env: Record<string, string>;
  /** Extra lines for the operator: where webhooks go, how to inspect state. */
  notes: string[];
  close(): Promise<void>;
}

/** `synq sandbox <id>`: the provider's local fake. */
export interface SandboxSpec {
  /** Port of this fake under `synq sandbox all` (and without --port). */
  readonly defaultPort: number;
  /** Options beyond the common --port, --synq-url and --manual-approve. */
  readonly options: Readonly<Record<string, SandboxOption>>;
  /** Starts the fake on loopback. Fakes are imported here, lazily, so the server never loads them. */
  start(opts: SandboxStartOptions): Promise<RunningSandbox>;
}

/** What a provider folder writes; `defineProvider` turns it into a registry row. */
export interface ProviderDescriptor<C> {
  readonly facts: ProviderFacts;
  readonly config: ProviderConfigSpec<C>;
  createConnector(settings: C): Connector;
  readonly webhook: WebhookIngress;
  readonly sandbox: SandboxSpec | null;
}

/** A provider whose variables were parsed: it can build its connector. */
export interface LoadedProvider<C = unknown> {
  readonly module: ProviderModule<C>;
  /** The parsed settings (secrets included: never log them). */
  readonly settings: C;
  createConnector(): Connector;
}

/** A registry row. Covariant in C, so rows of different providers share one table type. */
export interface ProviderModule<C = unknown> {
  readonly id: string;
  readonly facts: ProviderFacts;
  readonly envVars: readonly EnvVarRow[];
  readonly webhook: WebhookIngress;
  readonly sandbox: SandboxSpec | null;
  /** Parses this provider's variables, appending any problem to `problems`. */
  load(env: Env, problems: string[], production: boolean): LoadedProvider<C>;
}

export function defineProvider<C>(d: ProviderDescriptor<C>): ProviderModule<C> {
  const module: ProviderModule<C> = {
    id: d.facts.id,
    facts: d.facts,
    envVars: d.config.vars,
    webhook: d.webhook,
    sandbox: d.sandbox,
    load(env, problems, production) {
      const settings = d.config.parse(new EnvReader(env, d.config.vars, problems, production, d.facts.id));
      return { module, settings, createConnector: () => d.createConnector(settings) };
    },
  };
  return module;
}

/**
 * Table-level checks (a bug, not an operator error): ids unique and URL-safe, no variable
 * claimed by two providers, a webhook answer and forwarding the route style supports.
 */
export function checkProviderTable(table: readonly ProviderModule[]): void {
  const ids = new Set<string>();
  const owners = new Map<string, string>();
  for (const p of table) {
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(p.id)) throw new Error(`provider id "${p.id}" must be [a-z][a-z0-9-]*`);
    if (ids.has(p.id)) throw new Error(`provider "${p.id}" is listed twice`);
    // Per-connection routes answer JSON; an empty answer is offered where a sender demands it (Xero, app-wide).
    if (p.webhook.reply === 'empty' && p.facts.webhookSigning !== 'app-secret') throw new Error(`provider "${p.id}": reply 'empty' needs app-secret webhooks`);
    // A forwarded secret is the connection's own: only per-connection routes can check it.
    if (p.webhook.tenantForwarding && p.facts.webhookSigning !== 'connection-secret') throw new Error(`provider "${p.id}": tenantForwarding needs connection-secret webhooks`);
    ids.add(p.id);
    for (const name of p.envVars.flatMap((r) => r.vars)) {
      const owner = owners.get(name);
      if (owner !== undefined) throw new Error(`${name} is declared by both "${owner}" and "${p.id}"`);
      owners.set(name, p.id);
    }
  }
}
