-- SLA clocks (issue 4). The projection writes the facts the clocks are computed from, every
-- version of the working calendar, the recalculations and the warnings raised: all derived from
-- the log in global order, so a rebuild from position 1 gives the same rows. The clocks
-- themselves are computed on read from these facts, a calendar version and the time of asking.
-- The availability samples are measurements, not facts of the log (see availability_samples).

-- Every version of the working calendar: version 1 is the base (no administrator's change); each
-- CalendarDayOffAdded / CalendarDayOffRemoved / CalendarHoursReduced makes the next one.
CREATE TABLE reporting.calendar_versions (
    version         integer     PRIMARY KEY CHECK (version >= 1),
    spec            jsonb       NOT NULL,           -- the CalendarSpec of this version
    global_position bigint      NOT NULL UNIQUE,    -- the change's position; 0 for version 1
    change_type     text,                           -- the event type; null for version 1
    change          jsonb,                          -- the event's payload
    changed_at      timestamptz,
    changed_by      jsonb                           -- the actor (the administrator)
);
INSERT INTO reporting.calendar_versions (version, spec, global_position)
VALUES (1, '{"version": 1}', 0);

-- One row per request: what its clocks need beyond its facts.
CREATE TABLE reporting.sla_requests (
    ticket_id               text        PRIMARY KEY,
    received_at             timestamptz NOT NULL,   -- real receipt of the first submission
    intake_day              date        NOT NULL,   -- day of the next opening after the receipt
    intake_rank             integer     NOT NULL CHECK (intake_rank >= 0),
    -- 0-based rank among the requests of that intake day, in log order (overload: a rank at or
    -- beyond the daily capacity starts its first clocks the next working day).
    intake_calendar_version integer     NOT NULL,   -- the calendar the intake day was taken on
    open                    boolean     NOT NULL DEFAULT true,  -- false once archived
    last_event_at           timestamptz NOT NULL,   -- the latest real time of its facts
    last_position           bigint      NOT NULL
);
CREATE INDEX sla_requests_day_idx ON reporting.sla_requests (intake_day);
CREATE INDEX sla_requests_open_idx ON reporting.sla_requests (ticket_id) WHERE open;
CREATE INDEX sla_requests_window_idx ON reporting.sla_requests (received_at, last_event_at);

-- The clock-relevant fact of each event of a request (reporting.domain.clocks.Fact as JSON).
CREATE TABLE reporting.sla_facts (
    global_position bigint PRIMARY KEY,
    ticket_id       text   NOT NULL,
    kind            text   NOT NULL,
    fact            jsonb  NOT NULL
);
CREATE INDEX sla_facts_ticket_idx ON reporting.sla_facts (ticket_id, global_position);

-- The administrators' recalculations: finished clocks in scope are judged on calendar_version.
CREATE TABLE reporting.sla_recalculations (
    global_position  bigint      PRIMARY KEY,
    calendar_version integer     NOT NULL,
    scope            text        NOT NULL CHECK (scope IN ('all', 'month', 'ticket')),
    month            text,
    ticket_id        text,
    reason           text        NOT NULL,
    recalculated_at  timestamptz NOT NULL,
    recalculated_by  jsonb       NOT NULL
);

-- The warnings raised (SlaWarningRaised): once per (ticket, step, threshold).
CREATE TABLE reporting.sla_warnings (
    ticket_id         text        NOT NULL,
    step              text        NOT NULL,
    threshold_percent integer     NOT NULL,
    reached_at        timestamptz NOT NULL,
    due_at            timestamptz NOT NULL,
    raised_at         timestamptz NOT NULL,
    calendar_version  integer     NOT NULL,
    global_position   bigint      NOT NULL UNIQUE,
    PRIMARY KEY (ticket_id, step, threshold_percent)
);

-- Not part of the projection: readiness samples of every service, taken by reporting in
-- service hours. They are measurements of this installation, not facts of a request, and one
-- per service per minute would swamp the log. One row per service per sampling round; the
-- round's time is the same for every service, and a second reporting process sampling the
-- same round adds nothing (primary key).
CREATE TABLE reporting.availability_samples (
    service     text        NOT NULL,
    round_at    timestamptz NOT NULL,
    up          boolean     NOT NULL,
    status_code integer,            -- null when the service did not answer
    error       text,               -- why it was not up (timeout, refused, status)
    latency_ms  integer     NOT NULL CHECK (latency_ms >= 0),
    PRIMARY KEY (service, round_at)
);
CREATE INDEX availability_round_idx ON reporting.availability_samples (round_at);
