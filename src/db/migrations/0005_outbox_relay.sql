-- The outbox is drained by a relay that claims pending rows in batches (FOR UPDATE SKIP LOCKED)
-- instead of one queue job per event: the webhook hot path writes one row and nothing else.
-- next_attempt_at holds a crashed row back for its backoff; the partial index keeps the claim
-- scan on pending rows only.
DROP INDEX "outbox_status_idx";--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("id") WHERE status = 'pending';