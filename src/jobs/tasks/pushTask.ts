import type { Task } from '../worker.ts';

// Placeholder until implemented.
export const pushTask: Task<'push-task'> = async () => {
  throw new Error('pushTask is not implemented yet');
};
