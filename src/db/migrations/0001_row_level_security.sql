-- Row-level security as defence in depth: every tenant-scoped transaction sets
-- synq.tenant_id with set_config(..., true). With it set, a query that forgot its
-- WHERE tenant_id sees only that tenant. Unset ('' or NULL) is the worker/ingest
-- path, which scopes by connection instead. FORCE makes the table owner subject
-- too; superusers always bypass RLS, so production should connect as a plain role.
ALTER TABLE "products" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "products" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "products_tenant_isolation" ON "products" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "variants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "variants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "variants_tenant_isolation" ON "variants" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "connections" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "connections" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "connections_tenant_isolation" ON "connections" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "product_links" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "product_links" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "product_links_tenant_isolation" ON "product_links" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "push_jobs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "push_jobs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "push_jobs_tenant_isolation" ON "push_jobs" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "push_targets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "push_targets" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "push_targets_tenant_isolation" ON "push_targets" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "outbox" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "outbox" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "outbox_tenant_isolation" ON "outbox" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "orders" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "orders_tenant_isolation" ON "orders" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "audit_log_tenant_isolation" ON "audit_log" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);--> statement-breakpoint
ALTER TABLE "oauth_states" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "oauth_states" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "oauth_states_tenant_isolation" ON "oauth_states" USING (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid) WITH CHECK (coalesce(current_setting('synq.tenant_id', true), '') = '' OR "tenant_id" = current_setting('synq.tenant_id', true)::uuid);
