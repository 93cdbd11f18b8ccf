-- The notices service's own rows: what it learned from the bus (who holds which position, who
-- stands in, how to reach them, where each request stands), each person's choices, and the
-- outbox of notices with their delivery state.
CREATE SCHEMA IF NOT EXISTS notices;

-- People as the directory registered them; `roles` as granted and not revoked.
CREATE TABLE notices.people (
    nip        text        PRIMARY KEY,
    name       text        NOT NULL,
    agency     text,
    email      text,
    mobile     text,
    roles      text[]      NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Plt/Plh delegations: a delegate stands in for a position from starts_on to ends_on (WIB),
-- or to ended_on when the admin ended it early.
CREATE TABLE notices.delegations (
    delegation_id uuid PRIMARY KEY,
    position      text NOT NULL,
    delegate_nip  text NOT NULL,
    delegate_name text NOT NULL,
    holder_nip    text,
    starts_on     date NOT NULL,
    ends_on       date NOT NULL,
    ended_on      date
);

-- What each person chose; a person without a row gets e-mail and the digest.
CREATE TABLE notices.preferences (
    nip        text        PRIMARY KEY,
    email      boolean     NOT NULL,
    whatsapp   boolean     NOT NULL,
    digests    boolean     NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Where each request stands, and what its notices need to say (from the SOP's events).
CREATE TABLE notices.requests (
    ticket_id         text        PRIMARY KEY,
    agency            text        NOT NULL,
    application_name  text        NOT NULL,
    applicant         jsonb       NOT NULL,  -- nip, name, email, mobile from the form
    step              text,                  -- the step waiting; null when returned or done
    since             timestamptz NOT NULL,  -- when it reached that step
    petugas_nip       text,
    petugas_name      text,
    integrated_at     timestamptz,
    berita_acara      text,                  -- the reserved number
    berita_acara_at   timestamptz,
    berita_acara_told boolean     NOT NULL DEFAULT false,
    reminded_at       timestamptz,           -- the "BA not returned" reminder
    archived_at       timestamptz
);
CREATE INDEX requests_step_idx ON notices.requests (step);

-- Clocks that reached 100 %, for the Kadis's digest of what breached yesterday.
CREATE TABLE notices.breaches (
    ticket_id  text        NOT NULL,
    step       text        NOT NULL,
    reached_at timestamptz NOT NULL,
    due_at     timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, step, reached_at)
);

-- The days whose digest was raised (once a day, whatever the number of processes).
CREATE TABLE notices.digests (
    day       date        PRIMARY KEY,
    raised_at timestamptz NOT NULL
);

-- One row per notice, person and channel, written in the same transaction as the inbox row of
-- the event that raised it. The sender takes due rows in service hours, one at a time, and
-- records the outcome (and the event) in the transaction that holds the row.
CREATE TABLE notices.outbox (
    notice_id       uuid        PRIMARY KEY,
    kind            text        NOT NULL,
    ticket_id       text,
    correlation_id  text        NOT NULL,
    causation_id    text,
    recipient_nip   text        NOT NULL,
    recipient_name  text        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('email', 'whatsapp', 'mailbox')),
    address         text        NOT NULL,
    subject         text        NOT NULL,
    body            text        NOT NULL,
    raised_at       timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,  -- the first opening of the office at or after raised_at
    status          text        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    finished_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_due_idx ON notices.outbox (next_attempt_at, notice_id) WHERE status = 'pending';
CREATE INDEX outbox_recipient_idx ON notices.outbox (recipient_nip, raised_at DESC);
