-- What the consumers keep: the inbox that makes their effects exactly-once, and the dead letters.
CREATE SCHEMA IF NOT EXISTS messaging;

-- One row per event a consumer handled, written in the same transaction as the handler's effects:
-- a redelivered or re-driven event finds its row and is not applied again.
CREATE TABLE messaging.inbox (
    consumer        text        NOT NULL,
    event_id        uuid        NOT NULL,
    global_position bigint      NOT NULL,
    handled_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Messages a consumer could not handle: refused, undecodable, or failing too often. The raw bytes
-- and headers are kept so nothing is lost; an operator lists them and asks for a re-drive.
CREATE TABLE messaging.dead_letters (
    id              bigserial   PRIMARY KEY,
    consumer        text        NOT NULL,
    event_id        uuid,                 -- null when the message could not even be decoded
    subject         text        NOT NULL,
    event_type      text,
    global_position bigint,
    stream_sequence bigint,               -- where the message sits in the JetStream stream
    data            bytea       NOT NULL,
    headers         jsonb       NOT NULL DEFAULT '{}',
    reason          text        NOT NULL,
    error_code      text        NOT NULL, -- stable: unknown_event_type, invalid_payload, rejected, ...
    attempts        integer     NOT NULL CHECK (attempts >= 1),
    status          text        NOT NULL DEFAULT 'dead'
                    CHECK (status IN ('dead', 'redrive_requested', 'redriven')),
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at  timestamptz NOT NULL DEFAULT now(),
    redriven_at     timestamptz
);

-- One event has at most one open dead letter per consumer; a new failure updates it.
CREATE UNIQUE INDEX dead_letters_open_event_idx ON messaging.dead_letters (consumer, event_id)
    WHERE status IN ('dead', 'redrive_requested');

-- The re-drive loop looks up requested rows of its consumers.
CREATE INDEX dead_letters_status_idx ON messaging.dead_letters (status, consumer, id)
    WHERE status <> 'redriven';
