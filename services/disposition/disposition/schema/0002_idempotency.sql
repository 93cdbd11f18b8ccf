-- A command's Idempotency-Key, per caller, with the answer it got: a retry gets it again
-- (penghubung.idempotency). Written in the command's own transaction.
CREATE TABLE disposition.idempotency_keys (
    caller      text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,  -- SHA-256 of the command as parsed
    response    jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);
