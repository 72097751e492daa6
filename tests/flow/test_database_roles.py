"""The database roles of the production shape, on the session's PostgreSQL: a new database set
up exactly as docker-compose.yml does (deploy/postgres/roles.sql, then `podium migrate` as the
owner), the three services running as their own roles with PODIUM_MIGRATE=false doing their
whole job, and each role refused everything beyond it."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from launcher.postgres import SUPERUSER, find_postgres_bindir
from launcher.process import ManagedProcess, free_port
from launcher.stack import SERVICES, Ports, Stack
from shared.adapters.db import SchemaNotCurrent, check_schema, create_pool
from shared.adapters.settings import REPO_ROOT
from tests.flow.test_ingest_api import bearer, result
from tests.flow.test_scoring_events import eventually, medal_counts, table

DATABASE = "podium_roles"
ROLES_SQL = REPO_ROOT / "deploy" / "postgres" / "roles.sql"
ROLE = {service: f"podium_{service}" for service in SERVICES}


def url_as(stack: Stack, role: str) -> str:
    return f"postgresql://{role}@127.0.0.1:{stack.ports.postgres}/{DATABASE}"


def podium(stack: Stack, role: str, *args: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "podium"), *args],
        env={**stack.env(), "PODIUM_DATABASE_URL": url_as(stack, role)}, cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def roles_database(stack: Stack) -> Iterator[None]:
    """The database as the postgres image's init (deploy/postgres/init.sh) leaves it."""
    bindir = find_postgres_bindir()
    assert bindir is not None

    def psql(database: str, *args: str) -> None:
        subprocess.run([str(bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                        "127.0.0.1", "-p", str(stack.ports.postgres), "-U", SUPERUSER,
                        "-d", database, *args], check=True, capture_output=True, timeout=60)

    psql("postgres", "-c", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql("postgres", "-c", f"CREATE DATABASE {DATABASE}")
    passwords = [f"-v{role}_password=not-checked-on-a-trusted-local-server"
                 for role in ("owner", "ingest", "scoring", "broadcast")]
    psql(DATABASE, f"-vdatabase={DATABASE}", *passwords, "-f", str(ROLES_SQL))
    try:
        yield
    finally:
        psql("postgres", "-c", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


@pytest.fixture(scope="module")
async def as_role(stack: Stack, roles_database: None) -> AsyncIterator[
        dict[str, asyncpg.Pool]]:
    pools = {service: await create_pool(url_as(stack, role), max_size=1)
             for service, role in ROLE.items()}
    yield pools
    for pool in pools.values():
        await pool.close()


async def test_services_wait_for_migrate_which_the_owner_runs(
    stack: Stack, as_role: dict[str, asyncpg.Pool]
) -> None:
    with pytest.raises(SchemaNotCurrent, match=r"lacks the migrations 001_initial\.sql.*podium"
                                                r" migrate"):
        await check_schema(as_role["ingest"])
    assert "the database schema is current" in podium(stack, "podium_owner", "migrate")
    for pool in as_role.values():
        await check_schema(pool)


@pytest.fixture(scope="module")
def migrated(stack: Stack, as_role: dict[str, asyncpg.Pool]) -> dict[str, asyncpg.Pool]:
    podium(stack, "podium_owner", "migrate")  # again: nothing left to do, and that is fine
    return as_role


@pytest.mark.parametrize(("service", "sql"), [
    ("broadcast", "INSERT INTO submissions (event_id, revision, status, entries, content_hash,"
                  " token_id) VALUES ('x', 1, 'official', '[]', '', 1)"),
    ("broadcast", "UPDATE standings SET seq = 0"),
    ("broadcast", "DELETE FROM feed"),
    ("broadcast", "UPDATE tokens SET revoked_at = now()"),
    ("ingest", "UPDATE standings SET seq = 0"),
    ("ingest", "INSERT INTO feed (seq, channel, type, data) VALUES (1, 'x', 'x', '{}')"),
    ("ingest", "UPDATE submissions SET status = 'official'"),
    ("ingest", "UPDATE scoring_state SET last_seq = 0"),
    ("ingest", "INSERT INTO tokens (token_hash, role, name) VALUES ('', 'admin', 'me')"),
    # The desk's token functions (migration 007) work only for an active admin token's hash.
    ("ingest", "SELECT desk_create_token('\\x00', '\\x01', 'admin', 'me', '{}', NULL)"),
    ("ingest", "SELECT desk_revoke_token('\\x00', 1)"),
    ("broadcast", "SELECT desk_revoke_token('\\x00', 1)"),
    ("ingest", "UPDATE result_checks SET note = 'edited'"),
    ("scoring", "INSERT INTO submissions (event_id, revision, status, entries, content_hash,"
                " token_id) VALUES ('x', 1, 'official', '[]', '', 1)"),
    ("scoring", "SELECT token_hash FROM tokens"),
    ("scoring", "DELETE FROM standings"),
    ("scoring", "UPDATE feed SET data = '{}'"),
    ("scoring", "CREATE TABLE sneaky (x int)"),
    ("ingest", "CREATE TABLE sneaky (x int)"),
    ("broadcast", "ALTER TABLE feed ADD COLUMN sneaky int"),
])
async def test_each_role_is_refused_what_is_not_its_job(
    migrated: dict[str, asyncpg.Pool], service: str, sql: str
) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await migrated[service].execute(sql)


async def test_every_table_is_granted_to_a_service(migrated: dict[str, asyncpg.Pool]) -> None:
    # A migration that adds a table must grant it (shared/privileges.sql) or the services,
    # which run as these roles in production, cannot use it.
    ungranted = await migrated["broadcast"].fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT"
        " (SELECT bool_or(has_table_privilege(role, c.oid, 'SELECT'))"
        "  FROM unnest($1::text[]) AS role)", list(ROLE.values()))
    assert [row["relname"] for row in ungranted] == []


@pytest.fixture(scope="module")
def system_as_roles(stack: Stack, migrated: dict[str, asyncpg.Pool]) -> Iterator[Stack]:
    """The three services on the session's Kafka (topics of their own) and the roles'
    database, each as its role."""
    home = Path(tempfile.mkdtemp(prefix="podium-roles-"))
    system = Stack(home, Ports(ingest=free_port(), scoring=free_port(), broadcast=free_port(),
                              postgres=stack.ports.postgres),
                   database_url=url_as(stack, "podium_owner"),
                   kafka_bootstrap=stack.kafka_bootstrap,
                   extra_env={"PODIUM_MIGRATE": "false",
                              "PODIUM_RESULTS_TOPIC": "podium.roles.results",
                              "PODIUM_CHANGES_TOPIC": "podium.roles.changes"})
    for service, role in ROLE.items():
        system.processes[service] = ManagedProcess(
            service, [sys.executable, "-m", f"services.{service}"],
            home / "logs" / f"{service}.log",
            env={**system.env(), "PODIUM_DATABASE_URL": url_as(stack, role)})
    try:
        system.start_services()
        system.wait_healthy(timeout=120)
        yield system
    finally:
        system.remove()


async def test_each_service_does_its_whole_job_as_its_role(system_as_roles: Stack) -> None:
    system = system_as_roles
    token = podium(system, "podium_owner", "token", "create", "--role", "official",
                   "--name", "裁判 韩").strip().splitlines()[-1]
    event_id = "ath-youth-m-100m"  # a sprint (the tests' marks are times); a database of its own
    async with httpx.AsyncClient(base_url=system.url("ingest"), timeout=20) as ingest, \
            httpx.AsyncClient(base_url=system.url("broadcast"), timeout=20) as broadcast:
        answer = await ingest.post("/v1/results", json=result(event_id),
                                   headers=bearer(token))
        assert answer.status_code == 202, answer.text
        again = await ingest.post("/v1/results", json=result(event_id), headers=bearer(token))
        assert again.status_code == 200, again.text

        async def counted() -> bool | None:
            medals = medal_counts((await table(broadcast, "medals"))["rows"])
            return True if medals["qinyang"] == (1, 0, 0) else None
        await eventually(counted, "the result in broadcast's medal table")
        history = await ingest.get(f"/v1/events/{event_id}/history", headers=bearer(token))
        assert [r["revision"] for r in history.json()["revisions"]] == [1]
        feed = await broadcast.get("/v1/feed", params={"since": 0})
        assert feed.json()["items"]
