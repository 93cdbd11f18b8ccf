-- Snapshots of the projection as of past positions, for `as_of` views: a view as of position P
-- starts from the nearest snapshot at or before P (made by the same rules) and folds only the
-- events after it. They are a cache: any of them may be dropped, and a full rebuild (`penghubung
-- replay reporting`, what an auditor runs) never reads them.
CREATE TABLE reporting.as_of_snapshots (
    position bigint      PRIMARY KEY CHECK (position >= 1),
    rules    text        NOT NULL,  -- the fingerprint of the projection's rules and tables
    rows     bigint      NOT NULL,
    made_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX as_of_snapshots_rules_idx ON reporting.as_of_snapshots (rules, position);

-- Their rows: each row of each projected table as it stood at the snapshot's position.
CREATE TABLE reporting.as_of_snapshot_rows (
    position   bigint NOT NULL REFERENCES reporting.as_of_snapshots ON DELETE CASCADE,
    table_name text   NOT NULL,
    data       jsonb  NOT NULL
);
CREATE INDEX as_of_snapshot_rows_idx ON reporting.as_of_snapshot_rows (position, table_name);
