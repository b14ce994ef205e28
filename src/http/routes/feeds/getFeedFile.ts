import { createGunzip, gzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import { FORMAT_SPECS, indexKey, parseFeedFileName, storageKey } from '../../../catalog/formats.ts';
import { renderShardIndex } from '../../../catalog/links.ts';
import { catalogServices } from '../../../catalog/services.ts';
import type { RouteModule } from '../../app.ts';
import { ApiError, notFound } from '../../errors.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** True when Accept-Encoding admits gzip (explicitly or via *, with q > 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (name.trim() !== 'gzip' && name.trim() !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  // Weak comparison, as RFC 9110 prescribes for If-None-Match.
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

const Params = Type.Object({ tenant: Type.String({ maxLength: 64 }), file: Type.String({ maxLength: 64 }) });
const Query = Type.Object({ exp: Type.Optional(Type.String()), kid: Type.Optional(Type.String()), sig: Type.Optional(Type.String()) }, { additionalProperties: true });

export const getFeedFile: RouteModule = (app, deps) => {
  app.get(
    '/feeds/:tenant/:file',
    {
      schema: {
        tags: ['ucp'],
        summary: 'A catalog feed file behind a signed, expiring link (links come from GET /api/v1/ucp/catalog.json)',
        params: Params,
        querystring: Query,
      },
    },
    async (req, reply) => {
      const { storage, signer } = catalogServices(deps.config);
      const path = `/feeds/${req.params.tenant}/${req.params.file}`;
      const check = signer.verify(path, req.query, Date.now());
      if (check === 'invalid') throw new ApiError('FORBIDDEN', 'Invalid feed link signature');
      if (check === 'expired') throw new ApiError('GONE', 'This feed link has expired; ask /api/v1/ucp/catalog.json for a fresh one');
      const name = parseFeedFileName(req.params.file);
      if (!name) throw notFound('Feed file');
      const { version, format } = name;
      const spec = FORMAT_SPECS[format];
      const gzip = spec.gzipIsTheFile || acceptsGzip(req.headers['accept-encoding']);
      // Only a file that exists is immutable: a 404 must not be cached for a year.
      const fileHeaders = () => {
        reply.header('cache-control', IMMUTABLE).header('content-type', spec.contentType);
        if (!spec.gzipIsTheFile) reply.header('vary', 'Accept-Encoding');
      };

      const key = storageKey(req.params.tenant, version, format);
      const info = await storage.stat(key);
      if (!info) {
        // A sharded JSON-LD version: its index, with shard links signed for this link's expiry.
        const stored = format === 'jsonld' ? await storage.readAll(indexKey(req.params.tenant, version)) : null;
        if (!stored) throw notFound('Feed file');
        fileHeaders();
        const { body, etag } = await renderShardIndex(deps.config, req.params.tenant, stored, Number(req.query.exp));
        const tag = `"${etag}${gzip ? '.gz' : ''}"`;
        reply.header('etag', tag);
        if (notModified(req.headers['if-none-match'], tag)) return reply.status(304).send();
        if (gzip) return reply.header('content-encoding', 'gzip').send(gzipSync(body));
        return reply.send(body);
      }
      // Strong ETag: the version is the content hash; the gzip and identity bytes differ, so do their tags.
      const tag = `"${version}${gzip && !spec.gzipIsTheFile ? '.gz' : ''}"`;
      fileHeaders();
      reply.header('etag', tag).header('last-modified', info.lastModified.toUTCString());
      if (notModified(req.headers['if-none-match'], tag)) return reply.status(304).send();
      const stream = await storage.read(key);
      if (!stream) throw notFound('Feed file');
      if (gzip) {
        if (!spec.gzipIsTheFile) reply.header('content-encoding', 'gzip');
        return reply.header('content-length', String(info.size)).send(stream);
      }
      return reply.send(stream.pipe(createGunzip()));
    },
  );
};

