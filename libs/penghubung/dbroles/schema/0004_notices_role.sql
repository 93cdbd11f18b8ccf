-- The notices service works as penghubung_notices: its own schema, appending only `notices-…`
-- streams (NotificationSent, NotificationFailed). The auditor reads its rows.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'penghubung_notices') THEN
        BEGIN
            CREATE ROLE penghubung_notices NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration created it meanwhile
        END;
    END IF;
    IF NOT pg_has_role('penghubung_notices', 'penghubung_service', 'MEMBER') THEN
        BEGIN
            GRANT penghubung_service TO penghubung_notices;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'penghubung_notices', 'MEMBER') THEN
        GRANT penghubung_notices TO CURRENT_USER;
    END IF;
END;
$$;

GRANT USAGE ON SCHEMA notices TO penghubung_notices;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA notices TO penghubung_notices;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA notices TO penghubung_notices;
ALTER DEFAULT PRIVILEGES IN SCHEMA notices
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO penghubung_notices;
ALTER DEFAULT PRIVILEGES IN SCHEMA notices
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO penghubung_notices;

GRANT USAGE ON SCHEMA notices TO penghubung_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA notices TO penghubung_auditor;
ALTER DEFAULT PRIVILEGES IN SCHEMA notices GRANT SELECT ON TABLES TO penghubung_auditor;

INSERT INTO eventstore.writers (role, category) VALUES ('penghubung_notices', 'notices');
