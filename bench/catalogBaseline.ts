// The catalog bench's baseline, run in a child process so its buffers never count in the
// RSS of the builds measured by the parent (glibc keeps freed zlib and stream memory, and
// build runs after an in-process baseline started ~35 MB higher).
//   tsx bench/catalogBaseline.ts raw <feeds dir> <out file>   gunzip a build's files into one file
//   tsx bench/catalogBaseline.ts gzip <file>                  plain gzip of it, prints {"s","cpu","bytes"}
import { once } from 'node:events';
import { createReadStream, createWriteStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { FLUSH_BYTES, GZIP_OPTIONS } from '../src/catalog/writer.ts';

const [mode, a, b] = process.argv.slice(2);

if (mode === 'raw' && a && b) {
  const sink = createWriteStream(b);
  for (const f of readdirSync(a).filter((n) => n.endsWith('.gz')).sort()) {
    for await (const chunk of createReadStream(join(a, f)).pipe(createGunzip())) {
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
  }
  sink.end();
  await once(sink, 'finish');
} else if (mode === 'gzip' && a) {
  // Same zlib level and stream settings as the build's writer, fed chunks of the same size (FLUSH_BYTES).
  let bytes = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await pipeline(
    createReadStream(a, { highWaterMark: FLUSH_BYTES }),
    createGzip(GZIP_OPTIONS),
    new Writable({ write: (c: Buffer, _e, cb) => ((bytes += c.length), cb()) }),
  );
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ s, cpu: (c.user + c.system) / 1e6, bytes }));
} else {
  console.error('usage: catalogBaseline.ts raw <dir> <out> | gzip <file>');
  process.exit(2);
}
