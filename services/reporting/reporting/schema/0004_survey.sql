-- The satisfaction survey (SKM): each archived request's answer, once, projected from
-- SatisfactionSurveyAnswered; the month (WIB) of the answer is the month its IKM counts it in.

CREATE TABLE reporting.survey_answers (
    ticket_id       text        PRIMARY KEY,
    agency          text        NOT NULL,
    agency_key      text        NOT NULL,
    month           text        NOT NULL,           -- YYYY-MM, WIB, of answered_at
    answered_at     timestamptz NOT NULL,
    u1              smallint    NOT NULL CHECK (u1 BETWEEN 1 AND 4),
    u2              smallint    NOT NULL CHECK (u2 BETWEEN 1 AND 4),
    u3              smallint    NOT NULL CHECK (u3 BETWEEN 1 AND 4),
    u4              smallint    NOT NULL CHECK (u4 BETWEEN 1 AND 4),
    u5              smallint    NOT NULL CHECK (u5 BETWEEN 1 AND 4),
    u6              smallint    NOT NULL CHECK (u6 BETWEEN 1 AND 4),
    u7              smallint    NOT NULL CHECK (u7 BETWEEN 1 AND 4),
    u8              smallint    NOT NULL CHECK (u8 BETWEEN 1 AND 4),
    u9              smallint    NOT NULL CHECK (u9 BETWEEN 1 AND 4),
    saran           text,
    respondent_name text        NOT NULL,
    respondent_nip  text,
    global_position bigint      NOT NULL UNIQUE
);
CREATE INDEX survey_answers_month_idx ON reporting.survey_answers (month);
