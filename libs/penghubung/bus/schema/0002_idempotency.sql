-- Every service's Idempotency-Keys (penghubung.idempotency): per service and caller, the
-- fingerprint of the command and the answer it got, written by the command's own transaction.
CREATE TABLE messaging.idempotency_keys (
    service     text        NOT NULL,
    caller      text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,  -- SHA-256 of the command as parsed
    response    jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service, caller, key)
);
