-- The integration service's own read rows: one work item per request ordered to a petugas.
CREATE SCHEMA IF NOT EXISTS integration;

-- Written by the `integration-dispositions` consumer (assignment columns) and by the command
-- handlers in the transaction that appends to `integration-<ticket>` (progress columns).
CREATE TABLE integration.work_items (
    ticket_id              text        PRIMARY KEY,
    officer_nip            text        NOT NULL,
    officer_name           text        NOT NULL,
    instruction            text        NOT NULL,   -- the prakom's written instruction
    assigned_at            timestamptz NOT NULL,   -- occurred_at of the Disposed event
    assigned_by_nip        text,
    assigned_by_name       text        NOT NULL,
    -- The Disposed event behind the current assignment; a later one (higher position) wins,
    -- so a re-assignment delivered before an older one is not undone by it.
    assignment_event_id    uuid        NOT NULL,
    assignment_position    bigint      NOT NULL,
    reassignments          integer     NOT NULL DEFAULT 0 CHECK (reassignments >= 0),
    status                 text        NOT NULL DEFAULT 'assigned'
                           CHECK (status IN ('assigned', 'analysed', 'integrated', 'closed')),
    difficulty             text        CHECK (difficulty IN ('rendah', 'sedang', 'tinggi')),
    feasible               boolean,
    analysis               jsonb,                  -- the FeasibilityDone payload
    implementation         jsonb,                  -- the Integrated payload
    closure_recommendation text,
    analysed_at            timestamptz,
    integrated_at          timestamptz,
    closed_at              timestamptz,
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- A petugas lists their own work items, oldest first; the others list everything.
CREATE INDEX work_items_officer_idx ON integration.work_items (officer_nip, assigned_at, ticket_id);
CREATE INDEX work_items_assigned_idx ON integration.work_items (assigned_at, ticket_id);
