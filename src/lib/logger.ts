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
export type { Logger };
