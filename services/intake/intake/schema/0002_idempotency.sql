-- Every command's Idempotency-Key now shares this table (penghubung.idempotency): an upload or
-- a resubmission keeps its answer here too, so a key no longer names a new ticket.
ALTER TABLE intake.idempotency_keys ALTER COLUMN ticket_id DROP NOT NULL;
