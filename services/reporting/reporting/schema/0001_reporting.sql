-- Reporting's own tables: the projection of every event (requests, timeline, reports, agenda
-- book, Berita Acara) with its checkpoint and the gaps it met, and the yearly counters behind
-- the agenda-book and Berita Acara numbers. Services never read each other's tables.
CREATE SCHEMA IF NOT EXISTS reporting;

-- How far the projection has applied the log. Moved in the same transaction as the rows it
-- wrote, so rows and checkpoint never disagree; a position <= checkpoint is already applied.
CREATE TABLE reporting.checkpoint (
    projection text        PRIMARY KEY,
    position   bigint      NOT NULL CHECK (position >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO reporting.checkpoint (projection, position) VALUES ('requests', 0);

-- Every gap the projection met: a message arrived whose position was past checkpoint + 1. The
-- missing positions were read from the event log (the record) and applied first, never skipped.
CREATE TABLE reporting.gaps (
    id                 bigserial   PRIMARY KEY,
    projection         text        NOT NULL,
    first_missing      bigint      NOT NULL,
    last_missing       bigint      NOT NULL,
    delivered_position bigint      NOT NULL,
    delivered_event_id uuid        NOT NULL,
    filled             integer     NOT NULL CHECK (filled >= 1),
    detected_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (first_missing <= last_missing AND last_missing < delivered_position)
);

-- One row per request: where it stands now.
CREATE TABLE reporting.requests (
    ticket_id             text        PRIMARY KEY,
    agency                text        NOT NULL,
    agency_key            text        NOT NULL,  -- the agency without regard to case or spacing
    applicant_name        text        NOT NULL,
    applicant_nip         text        NOT NULL,
    application_name      text        NOT NULL,
    channel               text        NOT NULL,
    priority              text        NOT NULL,
    status                text        NOT NULL CHECK (status IN ('submitted', 'returned',
                              'in_disposition', 'assigned', 'analysed', 'integrated', 'closed',
                              'archived')),
    current_step          text,       -- the SOP step waiting to be done; null once archived
    holder_role           text,       -- who holds the request now
    holder_officer_nip    text,
    holder_officer_name   text,
    assigned_officer_nip  text,       -- the petugas ordered to do the work, once ordered
    assigned_officer_name text,
    since                 timestamptz NOT NULL,  -- since when the holder has it
    resubmissions         integer     NOT NULL DEFAULT 0,
    received_at           timestamptz NOT NULL,  -- the real receipt time of the first submission
    outcome               text,
    berita_acara_number   text,
    agenda_code           text,
    last_position         bigint      NOT NULL,  -- the last event that changed this row
    updated_at            timestamptz NOT NULL
);
CREATE INDEX requests_agency_idx ON reporting.requests (agency_key, received_at DESC);
CREATE INDEX requests_status_idx ON reporting.requests (status, received_at DESC);
CREATE INDEX requests_step_idx ON reporting.requests (current_step, received_at DESC);
CREATE INDEX requests_received_idx ON reporting.requests (received_at DESC, ticket_id DESC);

-- Every event of a request, as people read it.
CREATE TABLE reporting.timeline (
    global_position   bigint      PRIMARY KEY,
    event_id          uuid        NOT NULL UNIQUE,
    ticket_id         text        NOT NULL,
    event_type        text        NOT NULL,
    occurred_at       timestamptz NOT NULL,
    recorded_at       timestamptz NOT NULL,
    actor_name        text        NOT NULL,
    actor_role        text        NOT NULL,
    actor_nip         text,
    on_behalf_of_name text,
    on_behalf_of_nip  text,
    summary           text        NOT NULL
);
CREATE INDEX timeline_ticket_idx ON reporting.timeline (ticket_id, global_position);

-- The report (Laporan) of a finished request, and where it was archived.
CREATE TABLE reporting.reports (
    ticket_id           text        PRIMARY KEY,
    outcome             text        NOT NULL CHECK (outcome IN ('integrated', 'not_feasible')),
    summary             text        NOT NULL,
    sections            jsonb       NOT NULL,
    written_at          timestamptz NOT NULL,
    written_position    bigint      NOT NULL,
    berita_acara_number text,
    agenda_year         integer,
    agenda_number       integer,
    agenda_code         text,
    report_ref          text,
    archived_at         timestamptz
);

-- The agenda book (buku agenda): archived reports under their yearly sequential number.
CREATE TABLE reporting.agenda_book (
    year            integer     NOT NULL,
    number          integer     NOT NULL CHECK (number >= 1),
    ticket_id       text        NOT NULL UNIQUE,
    code            text        NOT NULL UNIQUE,
    report_ref      text        NOT NULL,
    archived_at     timestamptz NOT NULL,
    archived_by     text        NOT NULL,
    global_position bigint      NOT NULL,
    PRIMARY KEY (year, number)
);

-- The Berita Acara numbers given out, NNN/BA-LIA/SC-05/DISKOMINFO/YYYY.
CREATE TABLE reporting.berita_acara (
    year            integer     NOT NULL,
    sequence        integer     NOT NULL CHECK (sequence >= 1),
    number          text        NOT NULL UNIQUE,
    ticket_id       text        NOT NULL UNIQUE,
    reserved_at     timestamptz NOT NULL,
    global_position bigint      NOT NULL,
    PRIMARY KEY (year, sequence)
);

-- The last number given out per series and year. Not part of the projection: a command takes
-- the next number here and appends the event carrying it in the SAME transaction, so the row
-- lock serialises takers and a rolled-back command gives its number back (gap-free).
CREATE TABLE reporting.counters (
    series text    NOT NULL CHECK (series IN ('agenda_book', 'berita_acara')),
    year   integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    last   integer NOT NULL CHECK (last >= 1),
    PRIMARY KEY (series, year)
);
