-- Disposition's own rows: one per request it knows, for the inboxes and for `decide`.
CREATE SCHEMA IF NOT EXISTS disposition;

-- Written by the intake consumer (the first columns, facts from RequestSubmitted and
-- RequestResubmitted) and, in the same transaction as every Disposed / RequestReturned, from the
-- folded state (holder, officer, status). The event log stays the record: `round_start` says
-- where in the disposition stream the current round begins, so the state is the fold of the
-- events after it.
CREATE TABLE disposition.requests (
    ticket_id        text        PRIMARY KEY,
    agency           text        NOT NULL,
    application_name text        NOT NULL,
    priority         text        NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    received_at      timestamptz NOT NULL, -- real receipt time of the latest (re)submission
    resubmission     integer     NOT NULL CHECK (resubmission >= 0),
    round_start      integer     NOT NULL CHECK (round_start >= 0),
    holder_role      text        NOT NULL
                     CHECK (holder_role IN ('kadis', 'kabid', 'prakom', 'petugas', 'pemohon')),
    officer_nip      text,
    officer_name     text,
    status           text        NOT NULL CHECK (status IN ('disposing', 'assigned', 'returned')),
    held_since       timestamptz NOT NULL, -- when the current holder got it
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((officer_nip IS NULL) = (officer_name IS NULL))
);

-- The inboxes of kadis, kabid and prakom: by priority (P1 first), then oldest first.
CREATE INDEX requests_role_inbox_idx ON disposition.requests
    (holder_role, priority, received_at, ticket_id) WHERE status = 'disposing';

-- A petugas's inbox: the requests ordered to them.
CREATE INDEX requests_officer_inbox_idx ON disposition.requests
    (officer_nip, priority, received_at, ticket_id) WHERE status = 'assigned';
