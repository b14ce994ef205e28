import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenant, startService, type TestService } from '../../../../test/harness.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

describe('operations endpoints', () => {
  it('healthz and readyz answer without a token', async () => {
    expect((await svc.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await svc.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready' });
  });

  it('metrics expose request counts, latency, jobs and webhook verifications', async () => {
    const t = newTenant();
    await svc.app.inject({ method: 'GET', url: '/api/v1/pim/products', headers: await svc.headers(t) });
    await svc.app.inject({ method: 'POST', url: '/unified/webhook', headers: { 'content-type': 'application/json' }, payload: '{}' });
    const res = await svc.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/synq_http_requests_total\{method="GET",route="\/api\/v1\/pim\/products",status="200"\} 1/);
    expect(res.body).toContain('synq_http_request_duration_seconds_bucket');
    expect(res.body).toContain('synq_jobs');
    expect(res.body).toMatch(/synq_jobs\{queue="outbox",state="pending"\} \d+/);
    expect(res.body).toMatch(/synq_webhook_verifications_total\{source="unified",outcome="[a-z]+"\} 1/);
  });

  it('the OpenAPI document lists the published endpoints, and /docs renders it', async () => {
    const doc = (await svc.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/integrations/auth-url',
      '/api/v1/integrations/callback',
      '/api/v1/integrations/connections',
      '/unified/sync/push/product',
      '/unified/webhook',
      '/api/v1/pim/products',
      '/api/v1/oms/orders',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const docs = await svc.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });
});
