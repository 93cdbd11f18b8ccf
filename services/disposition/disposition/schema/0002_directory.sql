-- What disposition knows of the directory, learnt over the bus (never asked in a command): who is
-- an active petugas (to order work only to one), and which delegations have been ended.
-- `*_version` is the directory stream's version of the last fact applied, so an older fact that
-- arrives late changes nothing.
CREATE TABLE disposition.officers (
    nip             text PRIMARY KEY,
    name            text NOT NULL DEFAULT '',
    petugas         boolean NOT NULL DEFAULT false,
    petugas_version integer NOT NULL DEFAULT 0
);

CREATE TABLE disposition.delegations (
    delegation_id uuid PRIMARY KEY,
    delegate_nip  text,
    ended_on      date
);

-- When integration finished the work (Integrated, or RequestClosed as not feasible): the request
-- leaves its petugas's inbox.
ALTER TABLE disposition.requests ADD COLUMN finished_at timestamptz;
