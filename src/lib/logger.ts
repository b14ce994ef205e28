// pino with a redact list as a second line of defence: code never logs tokens on
// purpose, and these paths catch the ones that slip into an object by accident.
import { pino, type Logger, type DestinationStream } from 'pino';

const SECRET_KEYS = [
  'authorization',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'client_secret',
  'clientSecret',
  'consumer_secret',
  'password',
  'secret',
  'credentials',
  'token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]).concat(['req.headers.authorization', 'headers.authorization']);
  const options = { level, base: { service: 'synq' }, redact: { paths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/**
 * A child logger made on first use. Fastify makes a child per request for `req.log`, and pino
 * runs the redact list over a child's bindings when it is made: at 7,000 webhook requests a
 * second that was about a tenth of the API's CPU (the redact library's wildcard paths), for
 * children that mostly never log. A call at a level the logger does not log makes no child.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>, options: Record<string, unknown> = {}): Logger {
  let child: Logger | undefined;
  const real = () => (child ??= parent.child(bindings, options));
  const noop = () => {};
  return new Proxy(parent, {
    get(_target, prop) {
      if (typeof prop === 'string' && (LEVELS as readonly string[]).includes(prop)) {
        if (child === undefined && !parent.isLevelEnabled(prop)) return noop;
        // Fastify checks that these are functions when it makes req.log: looking must not make the child.
        return (...args: unknown[]) => (real()[prop as (typeof LEVELS)[number]] as (...a: unknown[]) => void)(...args);
      }
      if (prop === 'child') return (b: Record<string, unknown>, o?: Record<string, unknown>) => real().child(b, o);
      const c = real();
      const v: unknown = Reflect.get(c, prop, c);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(c) : v;
    },
  });
}

export type { Logger };
