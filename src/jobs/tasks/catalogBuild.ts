// Rebuilds a tenant's catalog feed after product changes (queued, debounced, by
// scheduleCatalogBuild). A build already running for the tenant means this job's
// changes may have been read too late: it re-queues itself behind that build.
import { buildCatalog, scheduleCatalogBuild } from '../../catalog/build.ts';
import type { Task } from '../worker.ts';

export const catalogBuild: Task<'catalog-build'> = async (deps, data) => {
  const result = await buildCatalog(deps, data.tenantId);
  if (result.status === 'busy') {
    await scheduleCatalogBuild(deps, deps.db, data.tenantId);
    deps.log.debug({ tenantId: data.tenantId }, 'catalog build busy; re-queued');
  }
};
