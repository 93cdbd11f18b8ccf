-- What each uploader has uploaded per WIB calendar day, against the daily quota. The row is
-- incremented only when the sum stays within the quota (a conditional upsert), in the
-- uploading transaction: concurrent uploads of one owner and day take turns on the row, and a
-- refused or rolled-back upload counts nothing. The sweeper gives nothing back.
CREATE TABLE intake.upload_usage (
    owner text    NOT NULL,  -- 'agency:<agency key>' or 'desk', as intake.attachments.owner
    day   date    NOT NULL,  -- the WIB calendar day
    bytes bigint  NOT NULL CHECK (bytes >= 0),
    files integer NOT NULL CHECK (files >= 0),
    PRIMARY KEY (owner, day)
);

-- Uploads the sweeper removed (their AttachmentDiscarded is in the log): a download of one
-- says it was removed and when, rather than that it never was.
CREATE TABLE intake.discarded_uploads (
    attachment_id uuid        PRIMARY KEY,
    owner         text        NOT NULL,
    uploaded_at   timestamptz NOT NULL,
    discarded_at  timestamptz NOT NULL,
    reason        text        NOT NULL
);

-- The sweeper looks for old uploads that no request took.
CREATE INDEX attachments_unattached_idx ON intake.attachments (uploaded_at)
    WHERE ticket_id IS NULL;

-- An administrator's confirmation that a request really arrived at `received_at`, further back
-- than the desk may date a registration alone; used by one submission, whose event carries it.
CREATE TABLE intake.backdate_confirmations (
    confirmation_id uuid        PRIMARY KEY,
    received_at     timestamptz NOT NULL,
    reason          text        NOT NULL,
    confirmed_by    jsonb       NOT NULL,  -- the administrator (actor)
    confirmed_at    timestamptz NOT NULL,
    ticket_id       text        REFERENCES intake.requests (ticket_id)  -- set when used
);
