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

const LEVELS = new Set<string>(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const noop = () => {};

/**
 * The proxy handler behind lazyChild. A class, not closures made per call: one of these is
 * made for every request, and under tsx every named closure is also a `__name` call
 * (esbuild's keepNames), which showed up at ~1% of the API's CPU on the webhook bench.
 */
class LazyChild implements ProxyHandler<Logger> {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: Record<string, unknown>,
  ) {}

  private real(): Logger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get(_target: Logger, prop: string | symbol): unknown {
    if (typeof prop === 'string' && LEVELS.has(prop)) {
      if (this.made === undefined && !this.parent.isLevelEnabled(prop)) return noop;
      // Fastify checks that these are functions when it makes req.log: looking must not make the child.
      return (...args: unknown[]) => (this.real()[prop as Level] as (...a: unknown[]) => void)(...args);
    }
    if (prop === 'child') return (b: Record<string, unknown>, o?: Record<string, unknown>) => this.real().child(b, o);
    const c = this.real();
    const v: unknown = Reflect.get(c, prop, c);
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(c) : v;
  }
}

/**
 * A child logger made on first use. Fastify makes a child per request for `req.log`, and pino
 * runs the redact list over a child's bindings when it is made: at 7,000 webhook requests a
 * second that was about a tenth of the API's CPU (the redact library's wildcard paths), for
 * children that mostly never log. A call at a level the logger does not log makes no child.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>, options: Record<string, unknown> = {}): Logger {
  return new Proxy(parent, new LazyChild(parent, bindings, options));
}

export type { Logger };
