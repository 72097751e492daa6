-- One database role per service, each allowed what its work needs and nothing more, so a
-- compromised or buggy service cannot rewrite what another owns: broadcast only reads,
-- ingest cannot touch the tables, scoring cannot forge a submission. The owner (whoever
-- runs the migrations: `podium migrate`) keeps the schema and the tokens (`podium token`).
--
-- Not a migration: the whole of what the roles may do, applied again after every migration
-- run (shared/adapters/db.py `migrate`, in its transaction) and after a restore (backups
-- leave privileges out), so it is always exactly this file. A table or column a service
-- newly uses is granted here; tests/flow/test_database_roles.py fails on a table no service
-- role may read.
--
-- In production the roles exist before, with their logins and passwords
-- (deploy/postgres/roles.sql, run once when the database is created); elsewhere they are
-- made here without a login, so the grants always have someone to go to.

DO $$
DECLARE
    service text;
BEGIN
    FOREACH service IN ARRAY ARRAY['podium_ingest', 'podium_scoring', 'podium_broadcast'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = service) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', service);
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM podium_ingest, podium_scoring, podium_broadcast;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public
    FROM podium_ingest, podium_scoring, podium_broadcast;

GRANT USAGE ON SCHEMA public TO podium_ingest, podium_scoring, podium_broadcast;
-- Each service checks at start that the schema is current (PODIUM_MIGRATE=false).
GRANT SELECT ON schema_migrations TO podium_ingest, podium_scoring, podium_broadcast;

-- ingest: checks tokens, stores submissions and their checks and marks them published (its
-- outbox relay). The results desk makes and revokes tokens over HTTP only through the
-- functions that require an active admin token's hash (migration 007), never by writing
-- `tokens` itself.
GRANT SELECT ON tokens TO podium_ingest;
GRANT EXECUTE ON FUNCTION desk_create_token(bytea, bytea, text, text, text[], timestamptz),
    desk_revoke_token(bytea, bigint) TO podium_ingest;
GRANT SELECT, INSERT ON submissions, result_checks TO podium_ingest;
GRANT UPDATE (published_at) ON submissions, result_checks TO podium_ingest;
GRANT USAGE ON SEQUENCE submissions_id_seq TO podium_ingest;
-- v1.1: ingest owns the units' states and relays their changes; it reads the registrations
-- (`podium entries import` writes them, as the owner) to check bibs and draw start lists.
GRANT SELECT ON registrations TO podium_ingest;
GRANT SELECT, INSERT, UPDATE ON unit_states TO podium_ingest;
GRANT SELECT, INSERT ON unit_changes TO podium_ingest;
GRANT UPDATE (published_at) ON unit_changes TO podium_ingest;
GRANT USAGE ON SEQUENCE unit_changes_id_seq TO podium_ingest;

-- scoring: reads what was submitted and by whom (`podium rebuild` too); owns the tables,
-- the feed and its consumer position. Deleting is left to the owner (`rebuild --apply`).
GRANT SELECT ON submissions, result_checks TO podium_scoring;
-- A lost or recreated results topic: every submission and check is sent again
-- (published_at = NULL).
GRANT UPDATE (published_at) ON submissions, result_checks TO podium_scoring;
GRANT SELECT (id, name, role) ON tokens TO podium_scoring;
-- The topics' identities, checked at start and every 5 s.
GRANT SELECT, INSERT, UPDATE ON kafka_topics TO podium_scoring;
GRANT SELECT, INSERT, UPDATE ON event_results, standings, consumer_offsets TO podium_scoring;
GRANT SELECT, UPDATE ON scoring_state TO podium_scoring;
GRANT SELECT, INSERT ON feed TO podium_scoring;
GRANT UPDATE (published_at) ON feed TO podium_scoring;
GRANT SELECT, INSERT, UPDATE ON unit_documents TO podium_scoring;  -- v1.1: the units' pages
-- v1.1: each unit state checked against its outbox row; all sent again with the submissions.
GRANT SELECT, UPDATE (published_at) ON unit_changes TO podium_scoring;

-- broadcast: reads the tables, the events and the feed; checks media keys.
GRANT SELECT ON event_results, standings, scoring_state, feed TO podium_broadcast;
GRANT SELECT ON unit_documents TO podium_broadcast;  -- v1.1: the units' pages
GRANT SELECT ON tokens TO podium_broadcast;
