// The one Drizzle schema for PGlite and PostgreSQL. Migrations in ./migrations
// are generated from it (`npm run db:generate`) plus hand-written SQL for what
// Drizzle does not model (row-level security).
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () => ts('updated_at').notNull().defaultNow();

export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey(),
  orgId: uuid('org_id').notNull(),
  name: text('name'),
  createdAt: createdAt(),
});

export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    tenantId: uuid('tenant_id').notNull(),
    orgId: uuid('org_id').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    category: text('category'),
    brand: text('brand'),
    handle: text('handle'),
    status: text('status', { enum: ['active', 'draft', 'archived'] }).notNull().default('active'),
    images: jsonb('images').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    // Bumped on every change; push tasks and feeds compare it to skip stale work.
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [index('products_tenant_created_idx').on(t.tenantId, t.orgId, t.createdAt, t.id)],
);

export const variants = pgTable(
  'variants',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    tenantId: uuid('tenant_id').notNull(),
    orgId: uuid('org_id').notNull(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sku: text('sku').notNull(),
    barcode: text('barcode'),
    // Unconstrained numeric keeps the scale that was given ("89.99" stays "89.99") and never rounds.
    price: numeric('price').notNull(),
    currency: text('currency').notNull(),
    optionValues: jsonb('option_values').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    inventoryQuantity: integer('inventory_quantity'),
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('variants_tenant_sku_uq').on(t.tenantId, t.sku),
    index('variants_product_idx').on(t.productId, t.position),
  ],
);

export const oauthStates = pgTable('oauth_states', {
  // SHA-256 of the state: a leaked table does not hand out usable states.
  stateHash: text('state_hash').primaryKey(),
  tenantId: uuid('tenant_id').notNull(),
  orgId: uuid('org_id').notNull(),
  userSub: text('user_sub'),
  provider: text('provider'),
  category: text('category').notNull(),
  account: text('account'),
  redirectUri: text('redirect_uri'),
  pkceVerifier: text('pkce_verifier'),
  // Set when a flow finishes server-to-server before the browser returns (WooCommerce's
  // key POST): the browser's return finds its connection through the state it carries.
  connectionId: text('connection_id'),
  createdAt: createdAt(),
  expiresAt: ts('expires_at').notNull(),
  consumedAt: ts('consumed_at'),
});

export const connections = pgTable(
  'connections',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    connectionId: text('connection_id').notNull().unique(),
    tenantId: uuid('tenant_id').notNull(),
    orgId: uuid('org_id').notNull(),
    provider: text('provider').notNull(),
    category: text('category').notNull(),
    status: text('status', { enum: ['PENDING', 'ACTIVE', 'ERROR', 'REAUTH_REQUIRED', 'DISCONNECTED'] }).notNull(),
    account: text('account').notNull(),
    // AES-256-GCM envelope: "kid.iv.ciphertext.tag" (base64url parts); AAD = tenant + connection id.
    credentials: text('credentials').notNull(),
    accessExpiresAt: ts('access_expires_at'),
    // Refresh lease: one process refreshes while the others wait and re-read.
    refreshLeaseUntil: ts('refresh_lease_until'),
    webhookSubscriptions: jsonb('webhook_subscriptions').$type<{ id: string; topic: string }[]>().notNull().default(sql`'[]'::jsonb`),
    syncCursor: jsonb('sync_cursor').$type<Record<string, string | null>>().notNull().default(sql`'{}'::jsonb`),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    lastSyncedAt: ts('last_synced_at'),
  },
  (t) => [
    index('connections_tenant_idx').on(t.tenantId, t.orgId, t.status),
    index('connections_account_idx').on(t.provider, t.account, t.status),
  ],
);

export const productLinks = pgTable(
  'product_links',
  {
    tenantId: uuid('tenant_id').notNull(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    remoteId: text('remote_id').notNull(),
    variantIds: jsonb('variant_ids').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    pushedVersion: integer('pushed_version'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.productId, t.connectionId] })],
);

export const pushJobs = pgTable('push_jobs', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  tenantId: uuid('tenant_id').notNull(),
  orgId: uuid('org_id').notNull(),
  productId: uuid('product_id').notNull(),
  action: text('action', { enum: ['UPSERT', 'DELETE'] }).notNull(),
  createdAt: createdAt(),
});

// One bulk push (POST /unified/sync/push/products, or the initial sync of a connection): its
// targets carry batch_id instead of a per-product job, so 10,000 products are one row here.
export const pushBatches = pgTable('push_batches', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  tenantId: uuid('tenant_id').notNull(),
  orgId: uuid('org_id').notNull(),
  action: text('action', { enum: ['UPSERT', 'DELETE'] }).notNull(),
  productCount: integer('product_count').notNull(),
  /** 'api' (the endpoint) or 'initial-sync' (saving a connection). */
  origin: text('origin', { enum: ['api', 'initial-sync'] }).notNull(),
  createdAt: createdAt(),
});

export const pushTargets = pgTable(
  'push_targets',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    // A single-product push's job; null for a target of a bulk push (batchId).
    jobId: uuid('job_id').references(() => pushJobs.id, { onDelete: 'cascade' }),
    batchId: uuid('batch_id').references(() => pushBatches.id, { onDelete: 'cascade' }),
    // Until then the target belongs to whoever leased it (a push-bulk task mid-call, or a retry
    // waiting out its backoff); per-product push tasks leave it alone.
    leasedUntil: ts('leased_until'),
    tenantId: uuid('tenant_id').notNull(),
    productId: uuid('product_id').notNull(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    action: text('action', { enum: ['UPSERT', 'DELETE'] }).notNull(),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed', 'dead'] }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    remoteId: text('remote_id'),
    error: text('error'),
    // What the provider reports after accepting the push (PushResult.detail), e.g. Amazon's listing issues.
    remoteStatus: text('remote_status'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // Insertion order: which of two pushes of a product is the later one (latestAction). created_at
    // cannot tell: rows of one transaction share it, and it reaches the code in milliseconds.
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  },
  (t) => [
    index('push_targets_job_idx').on(t.jobId),
    index('push_targets_pair_idx').on(t.productId, t.connectionId, t.status),
    index('push_targets_batch_idx').on(t.batchId, t.connectionId, t.status),
    index('push_targets_bulk_claim_idx').on(t.connectionId, t.status).where(sql`${t.batchId} IS NOT NULL`),
    // A connection's push task claims its oldest unfinished targets (db/push.ts claimDrainTargets).
    index('push_targets_claim_idx').on(t.connectionId, t.createdAt, t.id).where(sql`${t.status} IN ('queued', 'running')`),
  ],
);

export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull().unique(),
    tenantId: uuid('tenant_id').notNull(),
    orgId: uuid('org_id').notNull(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    event: text('event').notNull(),
    // Provider event id when there is one, else SHA-256 of the raw body: redeliveries collide here.
    dedupeKey: text('dedupe_key').notNull(),
    // The verified bytes as received; parsed by the worker, not on the hot path.
    rawBody: text('raw_body').notNull(),
    status: text('status', { enum: ['pending', 'processed', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    receivedAt: ts('received_at').notNull().defaultNow(),
    processedAt: ts('processed_at'),
    // When a pending row may be claimed again after a crashed attempt (backoff); now() on insert.
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_uq').on(t.connectionId, t.dedupeKey),
    // The relay's claim scans only pending rows, in id order; processed history does not slow it down.
    index('outbox_pending_idx').on(t.id).where(sql`status = 'pending'`),
  ],
);

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    tenantId: uuid('tenant_id').notNull(),
    orgId: uuid('org_id').notNull(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    name: text('name'),
    status: text('status').notNull(),
    currency: text('currency').notNull(),
    total: numeric('total').notNull(),
    lineItems: jsonb('line_items').$type<{ sku: string | null; title: string; quantity: number; price: string }[]>().notNull(),
    externalCreatedAt: ts('external_created_at'),
    externalUpdatedAt: ts('external_updated_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('orders_conn_ext_uq').on(t.connectionId, t.externalId),
    index('orders_tenant_created_idx').on(t.tenantId, t.orgId, t.createdAt),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    orgId: uuid('org_id').notNull(),
    actor: text('actor'),
    action: text('action').notNull(),
    target: text('target'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [index('audit_tenant_idx').on(t.tenantId, t.createdAt)],
);

// One row per tenant with a catalog feed: the store identity the feed publishes
// and the build lease (one build per tenant at a time, across processes).
export const catalogFeeds = pgTable('catalog_feeds', {
  tenantId: uuid('tenant_id').primaryKey(),
  orgId: uuid('org_id').notNull(),
  storeName: text('store_name'),
  storeUrl: text('store_url'),
  // schema.org MerchantReturnPolicy properties, published as given (absent = no policy claimed).
  returnPolicy: jsonb('return_policy').$type<Record<string, unknown>>(),
  buildingUntil: ts('building_until'),
  lastBuiltAt: ts('last_built_at'),
  lastError: text('last_error'),
  updatedAt: updatedAt(),
});

// Content-addressed feed versions. The newest published_at per (tenant, format) is
// current; referenced_until is the latest expiry of a signed URL handed out for it,
// so garbage collection never removes a file a caller may still fetch.
export const catalogVersions = pgTable(
  'catalog_versions',
  {
    tenantId: uuid('tenant_id').notNull(),
    format: text('format', { enum: ['jsonld', 'acp', 'merchant'] }).notNull(),
    version: text('version').notNull(),
    // Content-addressed shard files an index version links (empty when the file is the whole feed).
    shards: jsonb('shards').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    groups: integer('groups').notNull(),
    variants: integer('variants').notNull(),
    bytesRaw: bigint('bytes_raw', { mode: 'number' }).notNull(),
    bytesGzip: bigint('bytes_gzip', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
    publishedAt: ts('published_at').notNull().defaultNow(),
    supersededAt: ts('superseded_at'),
    referencedUntil: ts('referenced_until'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.format, t.version] }), index('catalog_versions_current_idx').on(t.tenantId, t.format, t.publishedAt)],
);
