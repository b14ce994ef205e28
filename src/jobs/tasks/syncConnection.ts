import type { Task } from '../worker.ts';

// Placeholder until implemented.
export const syncConnection: Task<'sync-connection'> = async () => {
  throw new Error('syncConnection is not implemented yet');
};
