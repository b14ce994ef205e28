-- What the provider reports about a pushed product beyond "accepted" (Amazon: live, accepted, issues: …).
ALTER TABLE "push_targets" ADD COLUMN "remote_status" text;
