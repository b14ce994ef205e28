// lazyChild: Fastify's per-request logger, made only when something is logged at a level the
// logger writes, and then the same lines (bindings included, secrets redacted) as a child.
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, lazyChild } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger('info', dest), lines };
}

describe('lazyChild', () => {
  it('makes no child for looking at its methods or for calls below the level', () => {
    const { log, lines } = capture();
    const child = vi.spyOn(log, 'child');
    const lazy = lazyChild(log, { reqId: 'r1' });
    expect(typeof lazy.info).toBe('function');
    expect(typeof lazy.child).toBe('function');
    lazy.debug({ x: 1 }, 'not written');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('writes like a child: its bindings on every line, the redact list applied', () => {
    const { log, lines } = capture();
    const lazy = lazyChild(log, { reqId: 'r2' });
    lazy.info({ token: 'sekrit', n: 1 }, 'one');
    lazy.warn('two');
    expect(lines.map((l) => [l.msg, l.reqId])).toEqual([
      ['one', 'r2'],
      ['two', 'r2'],
    ]);
    expect(lines[0]!.token).toBe('[redacted]');
    expect(lazy.isLevelEnabled('debug')).toBe(false);
  });
});
