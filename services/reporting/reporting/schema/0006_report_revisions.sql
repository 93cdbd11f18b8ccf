-- A report written again from corrected facts (ReportRevised): which revision the row shows,
-- when, and the correction's reason. Revision 0 is the report as first written.
ALTER TABLE reporting.reports
    ADD COLUMN revision        integer     NOT NULL DEFAULT 0 CHECK (revision >= 0),
    ADD COLUMN revised_at      timestamptz,
    ADD COLUMN revision_reason text;
