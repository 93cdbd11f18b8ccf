-- Requests whose report reporting has archived (learnt over the bus): their analysis and
-- implementation may no longer be corrected.
CREATE TABLE integration.archived (
    ticket_id   text PRIMARY KEY,
    archived_at timestamptz NOT NULL
);
