-- Insertion order of push targets: which of two pushes of a product is the later one. created_at
-- is shared by the rows of one transaction (grouped pushes) and read in milliseconds.
ALTER TABLE "push_targets" ADD COLUMN "seq" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "push_targets_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);