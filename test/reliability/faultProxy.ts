// A loopback TCP proxy that sits between Synq and a fake provider and breaks the
// connection in the ways real networks do. It works below HTTP on purpose: the
// connector sees exactly what undici sees when a provider's edge misbehaves
// (a reset, a socket that never answers, a response that never arrives), not an
// HTTP status a fake chose to send.
//
// Faults are decided per request. HTTP/1.1 without pipelining (undici's default)
// takes turns on a connection: the first bytes the client sends after the
// provider's last answer start a new request. That is where the proxy picks the
// fault in force (a queued one first), so faults reach kept-alive connections too.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export type Fault =
  /** Forward both ways untouched. */
  | { kind: 'pass' }
  /** Forward, holding the request's and its answer's chunks back by `ms` each. */
  | { kind: 'latency'; ms: number }
  /** TCP RST as soon as the request starts: it never reaches the provider. */
  | { kind: 'reset' }
  /** Swallow the request and never answer, never close: only the client's own timeout ends it. */
  | { kind: 'blackhole' }
  /** Forward the request, let the provider act on it, then drop its answer and reset the connection. */
  | { kind: 'drop-response' };

export type FaultKind = Fault['kind'];

export interface FaultProxy {
  url: string;
  port: number;
  /** The fault for every request that starts from now on, once the queued ones are used up. */
  setFault(fault: Fault): void;
  /** The next `n` requests get `fault`. */
  queueFaults(fault: Fault, n: number): void;
  /** Drops the queued faults no request has taken yet; returns how many there were. */
  clearQueued(): number;
  /** Requests seen, by the fault they got. */
  readonly counts: Record<FaultKind, number>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let standing: Fault = { kind: 'pass' };
  const queued: Fault[] = [];
  const counts: Record<FaultKind, number> = { pass: 0, latency: 0, reset: 0, blackhole: 0, 'drop-response': 0 };
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // Errors are the point of this proxy; an unhandled one would crash the test process.
    s.on('error', () => {});
  };
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  const server: Server = createServer((client) => {
    track(client);
    let upstream: Socket | null = null;
    let current: Fault = { kind: 'pass' };
    let awaitingRequest = true;
    // One chain per direction keeps chunk order while latency holds chunks back.
    let toUpstream = Promise.resolve();
    let toClient = Promise.resolve();

    const kill = () => {
      client.resetAndDestroy();
      upstream?.destroy();
    };

    const openUpstream = (): Socket => {
      const up = connect(target.port, target.host);
      track(up);
      up.on('data', (chunk: Buffer) => {
        awaitingRequest = true;
        if (current.kind === 'drop-response') {
          // The provider answered, so it acted on the request: the answer is what gets lost.
          kill();
          return;
        }
        const ms = current.kind === 'latency' ? current.ms : 0;
        toClient = toClient.then(async () => {
          if (ms > 0) await sleep(ms);
          if (!client.destroyed) client.write(chunk);
        });
      });
      up.on('end', () => void toClient.then(() => client.end()));
      up.on('close', () => void toClient.then(() => client.destroy()));
      return up;
    };

    client.on('data', (chunk: Buffer) => {
      if (awaitingRequest) {
        awaitingRequest = false;
        current = queued.shift() ?? standing;
        counts[current.kind] += 1;
        if (current.kind === 'reset') {
          kill();
          return;
        }
      }
      if (current.kind === 'blackhole') return; // read and discard; never answer
      const up = (upstream ??= openUpstream());
      const ms = current.kind === 'latency' ? current.ms : 0;
      toUpstream = toUpstream.then(async () => {
        if (ms > 0) await sleep(ms);
        if (!up.destroyed) up.write(chunk);
      });
    });
    client.on('end', () => void toUpstream.then(() => upstream?.end()));
    client.on('close', () => upstream?.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setFault: (f) => {
      standing = f;
    },
    queueFaults: (f, n) => {
      for (let i = 0; i < n; i++) queued.push(f);
    },
    clearQueued: () => queued.splice(0).length,
    get counts() {
      return { ...counts };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
