import type { Task } from '../worker.ts';

// Placeholder until implemented.
export const outboxProcess: Task<'outbox-process'> = async () => {
  throw new Error('outboxProcess is not implemented yet');
};
