-- The logins of the production shape, run once by psql, connected to the new database, when
-- it is created (deploy/postgres/init.sh; docker-compose.yml mounts both). psql variables:
-- database, and each role's password: owner_password, ingest_password, scoring_password,
-- broadcast_password.
--
-- podium_owner owns the database and everything in it: it runs the migrations
-- (`podium migrate`) and manages tokens (`podium token`). Each service logs in as its own
-- role, granted only what its work needs (shared/privileges.sql).
-- Re-running is safe: a role that exists (shared/privileges.sql makes them without a login
-- where this did not run) gets its login and password.

SELECT format('CREATE ROLE %I', name)
  FROM unnest(ARRAY['podium_owner', 'podium_ingest', 'podium_scoring', 'podium_broadcast'])
       AS name
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) \gexec

ALTER ROLE podium_owner LOGIN PASSWORD :'owner_password';
ALTER ROLE podium_ingest LOGIN PASSWORD :'ingest_password';
ALTER ROLE podium_scoring LOGIN PASSWORD :'scoring_password';
ALTER ROLE podium_broadcast LOGIN PASSWORD :'broadcast_password';

-- The owner of the database also owns its public schema (PostgreSQL 15's pg_database_owner).
ALTER DATABASE :"database" OWNER TO podium_owner;
-- Only Podium's roles may connect, and nobody but the owner may create anything or even look
-- into the schema unless granted (shared/privileges.sql grants the services' roles).
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database"
   TO podium_owner, podium_ingest, podium_scoring, podium_broadcast;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
