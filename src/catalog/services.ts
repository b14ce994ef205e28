// The catalog's long-lived collaborators (storage, URL signer), built once per
// process from the parsed config; tasks, routes and the CLI share them.
import type { Config } from '../config.ts';
import { DataDirStorage } from './dataDirStorage.ts';
import { S3Storage } from './s3Storage.ts';
import { FeedSigner } from './signing.ts';
import type { FeedStorage } from './storage.ts';

export interface CatalogServices {
  storage: FeedStorage;
  signer: FeedSigner;
}

const byConfig = new WeakMap<Config, CatalogServices>();

export function catalogServices(config: Config): CatalogServices {
  let s = byConfig.get(config);
  if (!s) {
    s = {
      storage: config.feed.s3 ? new S3Storage(config.feed.s3) : new DataDirStorage(config.dataDir),
      signer: new FeedSigner(config.feed.signingKeys),
    };
    byConfig.set(config, s);
  }
  return s;
}
