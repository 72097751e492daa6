"""PostgreSQL access: the one meaning of "the database is unavailable", a service's
connection (retried until PostgreSQL answers), and the ordered SQL migrations."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from importlib import resources
from typing import TypeAlias

import asyncpg
import asyncpg.pool
import orjson
import structlog

log = structlog.get_logger()

# A connection of its own or one borrowed from a pool: the queries are the same.
# (Strings: asyncpg's classes are generic only in its stubs.)
Connection: TypeAlias = (
    "asyncpg.Connection[asyncpg.Record] | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"
)
Pool: TypeAlias = "asyncpg.Pool[asyncpg.Record]"

# Any constant works; it only has to be the same in every process that migrates.
_MIGRATION_LOCK = 0x506F6469756D


class DatabaseUnavailable(ConnectionError):
    """The service has no connection to PostgreSQL yet."""


class SchemaNotCurrent(DatabaseUnavailable):
    """The database lacks migrations this code needs, and the service may not apply them
    (`PODIUM_MIGRATE=false`): `podium migrate` has not run yet."""


# What an unreachable, restarting, overloaded or read-only PostgreSQL raises through asyncpg.
# Every service answers these with 503 and retries; anything else is a bug and stays loud.
DATABASE_DOWN: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable; DatabaseUnavailable too
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    # Shut down, restarting, starting up (CannotConnectNow), or a query cancelled by an admin.
    asyncpg.exceptions.OperatorInterventionError,
    # Too many connections, out of disk or memory.
    asyncpg.exceptions.InsufficientResourcesError,
    # A standby promoted late or a failover to a read-only node: writes cannot go anywhere.
    asyncpg.exceptions.ReadOnlySQLTransactionError,
)

_RETRY_FIRST_S = 0.5
_RETRY_MAX_S = 5.0


async def _init_connection(conn: Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name,
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


@contextlib.asynccontextmanager
async def locked_transaction(
    conn: Connection, *lock_keys: int, durable: bool = True
) -> AsyncIterator[None]:
    """A transaction that holds the advisory locks `lock_keys` until it ends: committed when
    the block ends, rolled back when it raises. BEGIN and the locks go as one simple query,
    one round trip instead of two: a statement costs the service and PostgreSQL ~0.1 ms of
    CPU each (ingest's benchmark), a large part of accepting or relaying a result. Several
    locks are taken in ascending order, so two holders of the same ones cannot deadlock.

    Not `durable`: its COMMIT returns without waiting for the WAL to reach the disk (it is
    still atomic, and lost only if PostgreSQL itself crashes within ~0.6 s). For writes
    whose loss costs nothing but doing them again; a flush on this machine's disk took
    0.4 ms at the median but 22 ms at p99 and up to 1 s, idle (docs/benchmarks.md)."""
    # Integer literals: the simple query protocol takes no parameters.
    locks = ", ".join(f"pg_advisory_xact_lock({key:d})" for key in sorted(lock_keys))
    flush = "" if durable else " SET LOCAL synchronous_commit TO off;"
    await conn.execute(f"BEGIN;{flush} SELECT {locks}")
    try:
        yield
    except BaseException:
        # A connection too broken to roll back is dropped by the pool; the cause stays.
        with contextlib.suppress(*DATABASE_DOWN):
            await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")


async def connect(dsn: str) -> asyncpg.Connection:
    """One connection of its own, with the same codecs as a pool's (for commands)."""
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


async def _keep_session(conn: Connection) -> None:
    """A release that only rolls back an open transaction (asyncpg does that before calling
    this): for pools whose users keep no session state (no session locks, LISTEN, SET or
    cursors). asyncpg's default reset is one more round trip per release, 8.7 % of
    ingest's CPU under its benchmark's load."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10,
                      session_state: bool = True) -> asyncpg.Pool:
    """`session_state=False`: the pool's users keep no session state, so a connection
    goes back to the pool without asyncpg's reset."""
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection,
        reset=None if session_state else _keep_session,
    )
    assert pool is not None
    return pool


class Database:
    """A service's pool, once connected and migrated: `pool` raises DatabaseUnavailable
    before, so a request that arrives early is answered like one during an outage.

    `migrate`: apply the migrations at connect (the local system, where one role owns
    everything); without, only check that they are applied (production, where the services'
    roles may not change the schema and `podium migrate` runs first as the owner).
    """

    def __init__(self, dsn: str, *, min_size: int = 1, max_size: int = 10,
                 migrate: bool = True, session_state: bool = True) -> None:
        self._dsn = dsn
        self._min_size = min_size
        self._max_size = max_size
        self._migrate = migrate
        self._session_state = session_state
        self._pool: Pool | None = None

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            raise DatabaseUnavailable("not connected to PostgreSQL yet")
        return self._pool

    @property
    def connected(self) -> bool:
        return self._pool is not None

    async def connect(self) -> Pool:
        """Connects and migrates (or checks the schema), retrying with back-off for as long
        as it takes: PostgreSQL may be starting, `podium migrate` still running."""
        delay = _RETRY_FIRST_S
        while self._pool is None:
            try:
                pool = await create_pool(self._dsn, min_size=self._min_size,
                                         max_size=self._max_size,
                                         session_state=self._session_state)
                try:
                    await (migrate(pool) if self._migrate else check_schema(pool))
                except BaseException:
                    await pool.close()
                    raise
                self._pool = pool
                return pool
            except SchemaNotCurrent as error:
                log.warning("waiting for the database schema", problem=str(error), in_s=delay)
            except DATABASE_DOWN as error:
                log.warning("waiting for PostgreSQL", error=repr(error), in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RETRY_MAX_S)
        return self._pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


def _migration_files() -> list[tuple[str, str]]:
    folder = resources.files("shared") / "migrations"
    files = sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )
    return files


async def check_schema(pool: asyncpg.Pool) -> None:
    """Raises SchemaNotCurrent unless every migration of this code is applied. Migrations
    it does not know (a newer Podium's) only get a warning: they add, never take away."""
    try:
        rows = await pool.fetch("SELECT name FROM schema_migrations")
    except asyncpg.UndefinedTableError:
        rows = []
    applied = {row["name"] for row in rows}
    known = [name for name, _ in _migration_files()]
    missing = [name for name in known if name not in applied]
    if missing:
        raise SchemaNotCurrent(
            f"the database lacks the migrations {', '.join(missing)}; run `podium migrate`"
            " with the owner's PODIUM_DATABASE_URL (docker-compose.yml: the migrate service)"
            " and this service starts by itself")
    if newer := sorted(applied - set(known)):
        log.warning("the database has migrations this version does not know",
                    migrations=newer)


async def grant_service_roles(conn: Connection) -> None:
    """Gives each service's role exactly what shared/privileges.sql says (idempotent)."""
    await conn.execute((resources.files("shared") / "privileges.sql").read_text("utf-8"))


async def migrate(pool: asyncpg.Pool) -> list[str]:
    """Apply the migrations not applied yet, in file-name order; returns their names.

    Every service calls this at start, so an advisory lock serialises them.
    """
    applied_now: list[str] = []
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row["name"] for row in await conn.fetch("SELECT name FROM schema_migrations")}
        for name, sql in _migration_files():
            if name in done:
                continue
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
            applied_now.append(name)
        await grant_service_roles(conn)
    if applied_now:
        log.info("migrations applied", migrations=applied_now)
    return applied_now
