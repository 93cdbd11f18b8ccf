-- Each service works as a database role of its own. It may change only its own schema, read the
-- event log, append to it only streams of its own category, and never UPDATE or DELETE it.
--
-- Roles belong to the whole server, grants to one database: several databases on one server (the
-- tests make one per module) share the roles, so they are created only when missing, and a
-- migration of another database that creates one at the same moment is no error. This runs as
-- the owner of the schemas (the login of `penghubung migrate`), after every other component.

DO $$
DECLARE
    member text;
    services text[] := ARRAY['penghubung_intake', 'penghubung_disposition',
                             'penghubung_integration', 'penghubung_reporting'];
BEGIN
    FOREACH member IN ARRAY ARRAY['penghubung_service', 'penghubung_auditor'] || services LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = member) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', member);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another database's migration created it meanwhile
            END;
        END IF;
    END LOOP;
    -- What the four services share is granted once, to penghubung_service.
    FOREACH member IN ARRAY services LOOP
        IF NOT pg_has_role(member, 'penghubung_service', 'MEMBER') THEN
            BEGIN
                EXECUTE format('GRANT penghubung_service TO %I', member);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
    -- The login that migrates must be able to SET ROLE to each (a superuser always can).
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        FOREACH member IN ARRAY services || ARRAY['penghubung_auditor'] LOOP
            IF NOT pg_has_role(current_user, member, 'MEMBER') THEN
                EXECUTE format('GRANT %I TO %I', member, current_user);
            END IF;
        END LOOP;
    END IF;
END;
$$;

-- Every service: read the log and append to it; lock and move its head (the append's
-- `SELECT … FOR UPDATE` needs UPDATE); the relay's checkpoint (every process runs a relay
-- candidate); the consumers' inbox and dead letters; and the applied migrations (readiness).
GRANT USAGE ON SCHEMA eventstore, messaging TO penghubung_service;
GRANT SELECT, INSERT ON eventstore.events TO penghubung_service;
GRANT SELECT, UPDATE ON eventstore.head, eventstore.relay_checkpoint TO penghubung_service;
GRANT SELECT, INSERT, UPDATE ON messaging.inbox, messaging.dead_letters TO penghubung_service;
GRANT USAGE ON SEQUENCE messaging.dead_letters_id_seq TO penghubung_service;
GRANT SELECT ON public.penghubung_migrations TO penghubung_service;

-- Each service: its own schema, now and for the tables later migrations add to it.
DO $$
DECLARE
    service text;
BEGIN
    FOREACH service IN ARRAY ARRAY['intake', 'disposition', 'integration', 'reporting'] LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', service, 'penghubung_' || service);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I',
                       service, 'penghubung_' || service);
        EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I',
                       service, 'penghubung_' || service);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I'
                       ' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                       service, 'penghubung_' || service);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I'
                       ' GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I',
                       service, 'penghubung_' || service);
    END LOOP;
END;
$$;

-- The auditor reads everything and writes nothing.
DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['eventstore', 'messaging', 'intake', 'disposition',
                                'integration', 'reporting'] LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO penghubung_auditor', name);
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO penghubung_auditor', name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I'
                       ' GRANT SELECT ON TABLES TO penghubung_auditor', name);
    END LOOP;
END;
$$;
GRANT SELECT ON public.penghubung_migrations TO penghubung_auditor;

-- Who may append to which category of streams. The reporting service also signs the chain
-- (`audit-checkpoints`, PENGHUBUNG_AUDIT_SIGNER_ENABLED runs in its process). A login of an
-- operator's own that is a member of a service role counts as that role.
CREATE TABLE eventstore.writers (
    role     name NOT NULL,
    category text NOT NULL,
    PRIMARY KEY (role, category)
);
INSERT INTO eventstore.writers (role, category) VALUES
    ('penghubung_intake', 'intake'),
    ('penghubung_disposition', 'disposition'),
    ('penghubung_integration', 'integration'),
    ('penghubung_reporting', 'reporting'),
    ('penghubung_reporting', 'audit');
GRANT SELECT ON eventstore.writers TO penghubung_service, penghubung_auditor;

-- Row-level security: everyone but the owner (and superusers) reads every event and appends
-- only to the categories of the roles they are. The category is the stream id up to its first
-- "-", as in `stream_category()`.
ALTER TABLE eventstore.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY events_read ON eventstore.events FOR SELECT USING (true);
CREATE POLICY events_append_own_category ON eventstore.events FOR INSERT
    WITH CHECK (EXISTS (
        SELECT 1 FROM eventstore.writers w
        WHERE w.category = split_part(stream_id, '-', 1) AND pg_has_role(w.role, 'USAGE')
    ));
