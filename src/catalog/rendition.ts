// A rendition turns products into bytes in three parts, so one streaming writer
// serves every format: head, items (joined by a separator), tail. `seal` is the
// only part left out of the content hash: it is where a format embeds its own
// version (the hash), which cannot hash itself.
import type { FeedFormat } from './formats.ts';
import type { CatalogProduct } from './model.ts';

export interface TailMeta {
  /** Latest product change in this file (null when it has no items). */
  dateModified: Date | null;
  items: number;
}

export interface Rendition {
  format: FeedFormat;
  head(): string;
  /** The serialised item, or null when the product cannot be listed in this format (reported as skipped). */
  item(p: CatalogProduct): string | null;
  separator: string;
  tail(meta: TailMeta): string;
  seal(version: string): string;
}
