CREATE TABLE "catalog_feeds" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"store_name" text,
	"store_url" text,
	"return_policy" jsonb,
	"building_until" timestamp with time zone,
	"last_built_at" timestamp with time zone,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalog_versions" (
	"tenant_id" uuid NOT NULL,
	"format" text NOT NULL,
	"version" text NOT NULL,
	"shards" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"groups" integer NOT NULL,
	"variants" integer NOT NULL,
	"bytes_raw" bigint NOT NULL,
	"bytes_gzip" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	"superseded_at" timestamp with time zone,
	"referenced_until" timestamp with time zone,
	CONSTRAINT "catalog_versions_tenant_id_format_version_pk" PRIMARY KEY("tenant_id","format","version")
);
--> statement-breakpoint
CREATE INDEX "catalog_versions_current_idx" ON "catalog_versions" USING btree ("tenant_id","format","published_at");--> statement-breakpoint
-- Row-level security for the catalog tables, as in 0001_row_level_security.sql.
ALTER TABLE "catalog_feeds" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "catalog_feeds" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "catalog_feeds_tenant_isolation" ON "catalog_feeds" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "catalog_versions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "catalog_versions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "catalog_versions_tenant_isolation" ON "catalog_versions" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);
