-- Documents (issue 13): every issued paper with its PDF's hash, for the public verify page, and
-- the signed Berita Acara copies that came back. Both are projected from the log.

CREATE TABLE reporting.documents (
    code            text        PRIMARY KEY,        -- the short code printed on the paper
    paper           text        NOT NULL,           -- permohonan, berita-acara, buku-agenda, …
    ticket_id       text,                           -- none for a register
    period          text,                           -- YYYY or YYYY-MM of a register
    sha256          text        NOT NULL,
    size_bytes      integer     NOT NULL,
    facts_position  bigint      NOT NULL,
    issued_at       timestamptz NOT NULL,
    global_position bigint      NOT NULL UNIQUE
);
CREATE INDEX documents_ticket_idx ON reporting.documents (ticket_id);

-- The latest signed copy of each request's Berita Acara.
CREATE TABLE reporting.berita_acara_returns (
    ticket_id           text        PRIMARY KEY,
    berita_acara_number text        NOT NULL,
    returned_at         timestamptz NOT NULL,
    filename            text        NOT NULL,
    content_type        text        NOT NULL,
    size_bytes          integer     NOT NULL,
    sha256              text        NOT NULL,
    storage_key         text        NOT NULL,
    received_by         text        NOT NULL,
    global_position     bigint      NOT NULL UNIQUE
);

-- The bytes of the signed Berita Acara scans; the log holds their hashes (BeritaAcaraSigned).
CREATE TABLE reporting.scans (
    storage_key  text        PRIMARY KEY,
    sha256       text        NOT NULL,
    content_type text        NOT NULL,
    content      bytea       NOT NULL,
    stored_at    timestamptz NOT NULL
);

-- The request shows when its signed Berita Acara came back.
ALTER TABLE reporting.requests ADD COLUMN berita_acara_returned_at timestamptz;
