import type { Task } from '../worker.ts';

// Placeholder until implemented.
export const reconcileAll: Task<'sync-reconcile-all'> = async () => {
  throw new Error('reconcileAll is not implemented yet');
};
