-- One vocabulary of request states across the services (README, "Request states"): a
-- resubmitted request is `submitted` again (its count of resubmissions says how often).
ALTER TABLE intake.requests DROP CONSTRAINT IF EXISTS requests_status_check;
UPDATE intake.requests SET status = 'submitted' WHERE status = 'resubmitted';
ALTER TABLE intake.requests
    ADD CONSTRAINT requests_status_check CHECK (status IN ('submitted', 'returned'));
