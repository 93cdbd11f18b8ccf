-- Intake's own rows: the requests as read, the returns it was told of, the yearly ticket
-- counters, the idempotency keys of submissions, and the uploaded files' bytes.
CREATE SCHEMA IF NOT EXISTS intake;

-- One row per request, written in the same transaction as the request's events.
CREATE TABLE intake.requests (
    ticket_id        text        PRIMARY KEY,
    status           text        NOT NULL CHECK (status IN ('submitted', 'returned', 'resubmitted')),
    agency           text        NOT NULL,
    agency_key       text        NOT NULL,  -- the agency without regard to case or spacing
    applicant_name   text        NOT NULL,
    application_name text        NOT NULL,
    channel          text        NOT NULL,
    priority         text        NOT NULL,
    received_at      timestamptz NOT NULL,  -- the first submission's real receipt time
    last_received_at timestamptz NOT NULL,
    registered_by    jsonb,                 -- the desk officer of a non-portal submission
    resubmissions    integer     NOT NULL DEFAULT 0 CHECK (resubmissions >= 0),
    form             jsonb       NOT NULL,  -- the latest form
    attachments      jsonb       NOT NULL,  -- every attachment's metadata, in order
    returned_at      timestamptz,
    returned_step    text,
    return_reasons   jsonb,
    answer           text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX requests_received_idx ON intake.requests (received_at DESC, ticket_id DESC);
CREATE INDEX requests_agency_idx ON intake.requests (agency_key, received_at DESC, ticket_id DESC);

-- Every RequestReturned of a request (from disposition), to fold with intake's own events.
CREATE TABLE intake.returns (
    event_id        uuid        PRIMARY KEY,
    ticket_id       text        NOT NULL REFERENCES intake.requests (ticket_id),
    global_position bigint      NOT NULL,
    returned_at     timestamptz NOT NULL,
    step            text        NOT NULL,
    reasons         jsonb       NOT NULL
);
CREATE INDEX returns_ticket_idx ON intake.returns (ticket_id, global_position);

-- The last ticket number given out in each year. It is incremented in the submitting
-- transaction, so the row stays locked until commit (submissions of one year queue here) and a
-- rolled-back submission gives its number back: numbers are gap-free within a year.
CREATE TABLE intake.ticket_counters (
    year          integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 9999),
    last_sequence integer NOT NULL CHECK (last_sequence >= 1)
);

-- A submission's Idempotency-Key, per caller, with the response it got: a retry gets it again.
CREATE TABLE intake.idempotency_keys (
    caller      text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,  -- SHA-256 of the request as parsed
    ticket_id   text        NOT NULL REFERENCES intake.requests (ticket_id),
    response    jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);

-- Uploaded files: the bytes stay here, the event carries their metadata and SHA-256.
CREATE TABLE intake.attachments (
    attachment_id uuid        PRIMARY KEY,
    kind          text        NOT NULL,
    filename      text        NOT NULL,
    content_type  text        NOT NULL,
    size_bytes    bigint      NOT NULL CHECK (size_bytes >= 1),
    sha256        text        NOT NULL,
    storage_key   text        NOT NULL UNIQUE,
    owner         text        NOT NULL,  -- 'agency:<agency key>' or 'desk': who may reference it
    uploaded_by   jsonb       NOT NULL,
    uploaded_at   timestamptz NOT NULL,
    ticket_id     text        REFERENCES intake.requests (ticket_id),  -- set when first used
    content       bytea       NOT NULL,
    CHECK (octet_length(content) = size_bytes)
);
CREATE INDEX attachments_ticket_idx ON intake.attachments (ticket_id);
