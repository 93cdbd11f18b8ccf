-- Snapshots of the projection as of past positions, for `as_of` views: a view as of position P
-- starts from the nearest snapshot at or before P (made by the same rules) and folds only the
-- events after it. They are a cache: any of them may be dropped, and a full rebuild (`penghubung
-- replay reporting`, what an auditor runs) never reads them.
CREATE TABLE reporting.as_of_snapshots (
    position bigint      PRIMARY KEY CHECK (position >= 1),
    rules    text        NOT NULL,  -- the fingerprint of the projection's rules and tables
    bytes    bigint      NOT NULL,  -- the size of its tables
    made_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX as_of_snapshots_rules_idx ON reporting.as_of_snapshots (rules, position);

-- Their tables: each projected table as it stood at the snapshot's position, in PostgreSQL's
-- binary COPY format (the fingerprint above names the columns and types it was written with).
CREATE TABLE reporting.as_of_snapshot_tables (
    position   bigint NOT NULL REFERENCES reporting.as_of_snapshots ON DELETE CASCADE,
    table_name text   NOT NULL,
    data       bytea  NOT NULL,
    PRIMARY KEY (position, table_name)
);
