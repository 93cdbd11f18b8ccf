-- The directory works as penghubung_directory: its own schema, appending only `directory-…`
-- streams. The auditor reads its public rows, never the secrets (hashes, sessions, keys, the
-- single sign-ons under way).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'penghubung_directory') THEN
        BEGIN
            CREATE ROLE penghubung_directory NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration created it meanwhile
        END;
    END IF;
    IF NOT pg_has_role('penghubung_directory', 'penghubung_service', 'MEMBER') THEN
        BEGIN
            GRANT penghubung_service TO penghubung_directory;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'penghubung_directory', 'MEMBER') THEN
        GRANT penghubung_directory TO CURRENT_USER;
    END IF;
END;
$$;

GRANT USAGE ON SCHEMA directory TO penghubung_directory;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA directory TO penghubung_directory;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA directory TO penghubung_directory;
ALTER DEFAULT PRIVILEGES IN SCHEMA directory
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO penghubung_directory;
ALTER DEFAULT PRIVILEGES IN SCHEMA directory
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO penghubung_directory;

GRANT USAGE ON SCHEMA directory TO penghubung_auditor;
GRANT SELECT ON directory.agencies, directory.people, directory.roles, directory.delegations
    TO penghubung_auditor;

INSERT INTO eventstore.writers (role, category) VALUES ('penghubung_directory', 'directory');
