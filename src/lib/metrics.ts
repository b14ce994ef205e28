// Prometheus metrics on a per-app registry (tests build many apps in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'synq_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'synq_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly webhookVerifications = new Counter({
    name: 'synq_webhook_verifications_total',
    help: 'Webhook signature checks by source and outcome',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly tasks = new Counter({
    name: 'synq_tasks_total',
    help: 'Worker task outcomes by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly outboxEvents = new Counter({
    name: 'synq_outbox_events_total',
    help: 'Outbox events settled by the relay: processed, failed (bad payload or gave up), retried (crashed attempt)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly jobs: Gauge<'queue' | 'state'>;
  /** Catalog feed builds (src/catalog/build.ts); no tenant label: tenants are unbounded. */
  readonly catalogBuilds = new Counter({
    name: 'synq_catalog_builds_total',
    help: 'Catalog feed builds by outcome: built, busy (another build held the tenant), no_tenant, failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly catalogBuildSeconds = new Histogram({
    name: 'synq_catalog_build_duration_seconds',
    help: 'Catalog feed build duration (all formats, one pass) by outcome',
    labelNames: ['outcome'] as const,
    // A small catalog builds in tens of milliseconds; 1M variants take around a minute.
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly catalogBytes = new Counter({
    name: 'synq_catalog_bytes_written_total',
    help: 'Bytes of catalog feed files written, by format and encoding (raw = the document, gzip = what is stored)',
    labelNames: ['format', 'encoding'] as const,
    registers: [this.registry],
  });
  readonly catalogLastGroups = new Gauge({
    name: 'synq_catalog_last_build_groups',
    help: 'Product groups (listed products) in the JSON-LD feed of the most recent build in this process',
    registers: [this.registry],
  });
  readonly catalogLastVariants = new Gauge({
    name: 'synq_catalog_last_build_variants',
    help: 'Variants in the JSON-LD feed of the most recent build in this process',
    registers: [this.registry],
  });

  constructor(collectJobs: () => Promise<{ queue: string; state: string; count: number }[]>, withDefaults = false) {
    this.jobs = new Gauge({
      name: 'synq_jobs',
      help: 'Jobs in the queue by state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await collectJobs().catch(() => [])) this.set({ queue: row.queue, state: row.state }, row.count);
      },
    });
    if (withDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'synq_' });
  }

  /** Label children of webhookVerifications, by source and outcome (few: the providers and 'unified'). */
  private readonly verificationChildren = new Map<string, { inc(): void }>();

  /**
   * Counts one webhook signature check. The label child is made once per (source, outcome):
   * resolving labels hashes them on every inc, and this runs for every delivery.
   */
  webhookVerified(source: string, outcome: 'missing' | 'invalid' | 'ok'): void {
    const k = `${source}\u0000${outcome}`;
    let child = this.verificationChildren.get(k);
    if (child === undefined) {
      child = this.webhookVerifications.labels({ source, outcome });
      this.verificationChildren.set(k, child);
    }
    child.inc();
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }
}
