-- The working calendar in force, as the administrators' changes (`reporting-calendar`) made it:
-- one row, the folded CalendarSpec. No row: the base calendar (version 1).
CREATE TABLE notices.calendar (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version integer NOT NULL,
    spec    jsonb   NOT NULL
);
