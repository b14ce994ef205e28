// Database outages are 503 however deep the driver's error sits: Drizzle wraps it
// as `cause`, and a ROLLBACK on a connection the server cut wraps a second error
// that has no code at all. These shapes were 500s while PostgreSQL restarted.
import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { classifyError } from './errors.ts';

const pgError = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('classifyError and database outages', () => {
  it.each([
    ['a statement cut by the restart', new DrizzleQueryError('insert into outbox …', [], pgError('Connection terminated unexpectedly'))],
    ['the ROLLBACK after it', new DrizzleQueryError('rollback', [], pgError('Client has encountered a connection error and is not queryable'))],
    ['a server shutting down', new DrizzleQueryError('select 1', [], pgError('terminating connection due to administrator command', '57P01'))],
    ['a server starting up', new DrizzleQueryError('select 1', [], pgError('the database system is starting up', '57P03'))],
    ['a refused connection', new DrizzleQueryError('select 1', [], pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))],
    ['any SQLSTATE connection exception', new DrizzleQueryError('select 1', [], pgError('connection failure', '08006'))],
    ['no pool connection in time', pgError('timeout exceeded when trying to connect')],
    ['two levels deep', new Error('outer', { cause: new DrizzleQueryError('rollback', [], pgError('Connection terminated unexpectedly')) })],
  ])('%s is 503 with Retry-After', (_what, err) => {
    expect(classifyError(err)).toEqual({ code: 'UNAVAILABLE', message: 'Database unavailable, retry shortly', headers: { 'retry-after': '1' } });
  });

  it('does not read request data in a failed query as an outage', () => {
    // The words are in the parameters (a webhook body), the cause is a real bug.
    const err = new DrizzleQueryError('insert into outbox …', ['{"note":"Connection terminated unexpectedly"}'], new TypeError('x is not a function'));
    expect(classifyError(err).code).toBe('INTERNAL');
  });

  it('keeps other database errors as they were', () => {
    expect(classifyError(new DrizzleQueryError('insert …', [], pgError('duplicate key', '23505'))).code).toBe('CONFLICT');
    expect(classifyError(new DrizzleQueryError('select …', [], pgError('syntax error', '42601'))).code).toBe('INTERNAL');
  });
});
