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

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }
}
