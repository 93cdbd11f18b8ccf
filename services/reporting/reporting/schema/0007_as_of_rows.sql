-- The rows of the two largest growing tables (the timeline and the SLA facts) for `as_of`
-- snapshots, kept once for all of them instead of in each: no later event changes such a row,
-- and each carries its own log position (its key), so the rows as of position P are exactly the
-- rows here with a position up to P. A copy as of P restores the other tables from the snapshot
-- nearest P (a few MB) and reads these in place, through a view of its own. A cache like the
-- snapshots: made by the same rules, or emptied; a full rebuild never reads it.
CREATE TABLE reporting.as_of_rows (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    rules     text    NOT NULL,  -- the fingerprint of the rules and tables the rows were made by
    upto      bigint  NOT NULL CHECK (upto >= 0)  -- every row up to this position is here
);
INSERT INTO reporting.as_of_rows (rules, upto) VALUES ('', 0);

CREATE TABLE reporting.as_of_timeline (LIKE reporting.timeline INCLUDING ALL);
CREATE TABLE reporting.as_of_sla_facts (LIKE reporting.sla_facts INCLUDING ALL);
