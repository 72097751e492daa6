#!/usr/bin/env bash
# Run once by the postgres image when it creates the database (docker-entrypoint-initdb.d):
# the owner's and the services' logins, with passwords from the environment (roles.sql).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v database="$POSTGRES_DB" \
    -v owner_password="$PODIUM_DB_OWNER_PASSWORD" \
    -v ingest_password="$PODIUM_DB_INGEST_PASSWORD" \
    -v scoring_password="$PODIUM_DB_SCORING_PASSWORD" \
    -v broadcast_password="$PODIUM_DB_BROADCAST_PASSWORD" \
    -f /podium/roles.sql
