CREATE TABLE "push_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"action" text NOT NULL,
	"product_count" integer NOT NULL,
	"origin" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "push_targets" ALTER COLUMN "job_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "push_targets" ADD COLUMN "batch_id" uuid;--> statement-breakpoint
ALTER TABLE "push_targets" ADD COLUMN "leased_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "push_targets" ADD CONSTRAINT "push_targets_batch_id_push_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."push_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "push_targets_batch_idx" ON "push_targets" USING btree ("batch_id","connection_id","status");--> statement-breakpoint
CREATE INDEX "push_targets_bulk_claim_idx" ON "push_targets" USING btree ("connection_id","status") WHERE "push_targets"."batch_id" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "push_targets" ADD CONSTRAINT "push_targets_job_or_batch" CHECK ("job_id" IS NOT NULL OR "batch_id" IS NOT NULL);--> statement-breakpoint
ALTER TABLE "push_batches" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "push_batches" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "push_batches_tenant_isolation" ON "push_batches" USING ("tenant_id" = nullif(current_setting('synq.tenant_id', true), '')::uuid OR (coalesce(current_setting('synq.tenant_id', true), '') = '' AND current_setting('synq.scope', true) = 'system')) WITH CHECK ("tenant_id" = nullif(current_setting('synq.tenant_id', true), '')::uuid OR (coalesce(current_setting('synq.tenant_id', true), '') = '' AND current_setting('synq.scope', true) = 'system'));
