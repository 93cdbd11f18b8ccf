-- Every service keeps and reads its commands' Idempotency-Keys (messaging.idempotency_keys).
GRANT SELECT, INSERT ON messaging.idempotency_keys TO penghubung_service;
