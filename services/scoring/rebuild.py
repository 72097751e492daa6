"""`podium rebuild`: every event's latest state and every table recomputed from the stored
revisions (`submissions`, which holds every accepted revision) and their checks
(`result_checks`), compared with what scoring stored, and with `--apply` written back and
announced on the live feed.

The recomputation is the live scoring code (`core.replay`, the engine) run over the whole
history at once, so a rules or games file change, or any doubt about the stored tables,
is settled by the same rules the live service applies.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TextIO

import orjson
from tqdm import tqdm

from services.scoring import store
from services.scoring.core import (
    EventState,
    Plan,
    Tables,
    compute_tables,
    latest_others,
    replay,
    result_messages,
    table_changes,
)
from shared.adapters import db, kafka, submissions
from shared.adapters.definitions import Definitions, load_definitions
from shared.adapters.outbox import OutboxRelay
from shared.adapters.settings import Settings
from shared.adapters.web import Readiness
from shared.contract.messages import AcceptedResult
from shared.domain.units import RANKING_PHASE

EXIT_EQUAL: Final = 0
EXIT_DIFFERENT: Final = 1
EXIT_SCORING_RUNNING: Final = 3
PUBLISH_TIMEOUT_S: Final = 30.0
# Below this many revisions a run takes well under a second: no progress bar.
LONG_RUN_REVISIONS: Final = 20_000


@dataclass(frozen=True)
class Stored:
    """What scoring stored: the readers' view."""

    events: dict[str, dict[str, Any]]  # event id -> document of GET /v1/events/{id}
    tables: Tables  # channel -> table without version/updated_at
    version: int
    last_seq: int


@dataclass(frozen=True)
class Rebuilt:
    revisions: int
    events: dict[str, EventState]
    tables: Tables


@dataclass(frozen=True)
class Comparison:
    """What differs, stored → recomputed, as lines for people: by event id and by channel."""

    events: dict[str, list[str]]
    tables: dict[str, list[str]]

    @property
    def equal(self) -> bool:
        return not self.events and not self.tables


@dataclass(frozen=True)
class Accepted:
    """Everything ingest accepted, as rows: the revisions of the events' rankings, the
    latest of every other unit, and their checks."""

    revisions: list[dict[str, Any]]
    checks: list[dict[str, Any]]


async def read(conn: db.Connection) -> tuple[Accepted, Stored]:
    """Every accepted revision and check (as rows) and the stored state, from one snapshot."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        # The events' rankings (their finals) score; heats and the like only set records,
        # once they count (their checks say whether they do).
        revisions = [dict(row) for row in await conn.fetch(
            f"{submissions.SELECT} WHERE s.phase = '{RANKING_PHASE}'")]
        revisions += [dict(row) for row in await conn.fetch(
            f"SELECT DISTINCT ON (s.event_id, s.phase) * FROM ({submissions.SELECT}"
            f" WHERE s.phase <> '{RANKING_PHASE}') s ORDER BY s.event_id, s.phase,"
            " s.revision DESC")]
        accepted = Accepted(revisions, [dict(row) for row in await conn.fetch(
            submissions.CHECKS_SELECT)])
        events = {row["event_id"]: row["document"]
                  for row in await conn.fetch("SELECT event_id, document FROM event_results")}
        tables = await store.load_tables(conn)
        counters = await conn.fetchrow("SELECT version, last_seq FROM scoring_state")
    assert counters is not None
    return accepted, Stored(events, tables, counters["version"], counters["last_seq"])


def recompute(
    definitions: Definitions,
    accepted: Accepted,
    progress: Callable[[Iterator[AcceptedResult]], Iterator[AcceptedResult]] = iter,
) -> Rebuilt:
    """Every event's latest state and every table, from the accepted revisions' rows."""
    games, rules = definitions.games, definitions.rules
    # The same messages ingest publishes for each row, so scoring and rebuild see one input.
    results = list(progress(AcceptedResult.model_validate(row) for row in accepted.revisions))
    checks = [submissions.check(row) for row in accepted.checks]
    others = latest_others(results, checks)
    events = replay(games, rules, [result for result in results if result.ranks_the_event],
                    (check for check in checks if check.phase == RANKING_PHASE), others)
    return Rebuilt(len(accepted.revisions), events,
                   compute_tables(games, rules, events, others))


async def read_and_recompute(conn: db.Connection, definitions: Definitions
                             ) -> tuple[Stored, Rebuilt]:
    """The stored state and its recomputation. The rows read and the revisions made of them
    are freed on return (the latest ones live on in the events' states), so the collection
    that follows `collection_paused` finds little to walk (6 ms instead of ~0.2 s)."""
    accepted, stored = await read(conn)
    return stored, recompute(definitions, accepted, progress_bar(len(accepted.revisions)))


def compare(stored: Stored, rebuilt: Rebuilt) -> Comparison:
    events: dict[str, list[str]] = {}
    for event_id in sorted(stored.events.keys() | rebuilt.events.keys()):
        lines = _event_differences(stored.events.get(event_id), rebuilt.events.get(event_id))
        if lines:
            events[event_id] = lines
    tables: dict[str, list[str]] = {}
    for channel in [*rebuilt.tables, *sorted(stored.tables.keys() - rebuilt.tables.keys())]:
        lines = _table_differences(stored.tables.get(channel), rebuilt.tables.get(channel))
        if lines:
            tables[channel] = lines
    return Comparison(events, tables)


def _event_differences(stored: dict[str, Any] | None, rebuilt: EventState | None) -> list[str]:
    if rebuilt is None:
        assert stored is not None
        return [f"stored (revision {stored['revision']}), but no accepted revision of it can be"
                " scored: is the event still in the games file?"]
    result = rebuilt.result
    if stored is None:
        return [f"not stored; the latest accepted revision is {result.revision}"
                f" ({result.status}): scoring has not applied it yet"]
    if stored["revision"] != result.revision:
        return [f"stored revision {stored['revision']} ({stored['status']}), latest accepted"
                f" revision {result.revision} ({result.status}): scoring has not applied it"
                " yet (still catching up?)"]
    return _differences(_entries_by_label(stored), _entries_by_label(rebuilt.document))


def _entries_by_label(document: dict[str, Any]) -> dict[str, Any]:
    entries = {
        f"entry {index} ({entry['delegation']} {entry['competitor']})": entry
        for index, entry in enumerate(document["entries"], start=1)
    }
    return {**{key: value for key, value in document.items() if key != "entries"}, **entries}


def _table_differences(stored: dict[str, Any] | None, rebuilt: dict[str, Any] | None) -> list[str]:
    if stored is None:
        return ["not stored"]
    if rebuilt is None:
        return ["stored, but no longer one of the games' tables"]
    return _differences(_rows_by_delegation(stored), _rows_by_delegation(rebuilt))


def _rows_by_delegation(table: dict[str, Any]) -> dict[str, Any]:
    """A table's rows by delegation; the records document (no rows) as it is."""
    if "rows" not in table:
        return table
    return {row["delegation"]: {key: value for key, value in row.items() if key != "delegation"}
            for row in table["rows"]}


_MISSING: Final = object()


def _differences(stored: dict[str, Any], rebuilt: dict[str, Any]) -> list[str]:
    """One line per top-level key that differs, e.g. "qinyang: points 24 → 26; rank 3 → 2"."""
    lines = []
    for key in dict.fromkeys([*stored, *rebuilt]):
        leaves = list(_leaf_differences(stored.get(key, _MISSING), rebuilt.get(key, _MISSING)))
        if leaves:
            lines.append(f"{key}: {'; '.join(leaves)}")
    return lines


def _leaf_differences(stored: Any, rebuilt: Any, path: str = "") -> Iterator[str]:
    if isinstance(stored, dict) and isinstance(rebuilt, dict):
        for key in dict.fromkeys([*stored, *rebuilt]):
            yield from _leaf_differences(stored.get(key, _MISSING), rebuilt.get(key, _MISSING),
                                         f"{path}.{key}" if path else str(key))
    elif (isinstance(stored, list) and isinstance(rebuilt, list)
          and len(stored) == len(rebuilt)):
        for index, (old, new) in enumerate(zip(stored, rebuilt, strict=True)):
            yield from _leaf_differences(old, new, f"{path}[{index}]")
    elif stored != rebuilt:
        yield f"{path + ' ' if path else ''}{_show(stored)} → {_show(rebuilt)}"


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    text = orjson.dumps(value).decode()
    return text if len(text) <= 120 else text[:117] + "..."


def report(comparison: Comparison, stored: Stored, rebuilt: Rebuilt, out: TextIO) -> None:
    for heading, items in (("event", comparison.events), ("table", comparison.tables)):
        for key, lines in items.items():
            print(f"{heading} {key}:", *(f"  {line}" for line in lines), sep="\n", file=out)
    read = (f"rebuild: {_count(rebuilt.revisions, 'accepted revision')} of"
            f" {_count(len(rebuilt.events), 'event')}")
    if comparison.equal:
        print(f"{read}: the stored events and tables equal the recomputation", file=out)
        return
    event_count = len(stored.events.keys() | rebuilt.events.keys())
    print(f"{read}: {len(comparison.events)} of {_count(event_count, 'event')} and"
          f" {len(comparison.tables)} of {_count(len(rebuilt.tables), 'table')} differ from"
          " what is stored (shown stored → recomputed)", file=out)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def rebuild_plan(stored: Stored, rebuilt: Rebuilt, comparison: Comparison, now: datetime) -> Plan:
    """The recomputed state as one change: each differing event announced like a new
    revision, the differing tables under one new version, like a batch of scoring."""
    changed = {event_id: rebuilt.events[event_id]
               for event_id in comparison.events if event_id in rebuilt.events}
    feed = []
    seq = stored.last_seq
    for event_id, state in changed.items():
        feed += result_messages(seq, event_id, state.document)
        seq += 2
    updates = table_changes(stored.tables, rebuilt.tables, stored.version, seq, now)
    return Plan(changed, rebuilt.tables, updates.stamped, feed + updates.feed, updates.version,
                updates.last_seq)


async def write(conn: db.Connection, stored: Stored, rebuilt: Rebuilt, plan: Plan) -> None:
    """The plan, and the removal of what is stored but no longer recomputed, atomically."""
    async with conn.transaction():
        await conn.execute("DELETE FROM event_results WHERE event_id = ANY($1::text[])",
                           sorted(stored.events.keys() - rebuilt.events.keys()))
        await conn.execute("DELETE FROM standings WHERE channel = ANY($1::text[])",
                           sorted(stored.tables.keys() - rebuilt.tables.keys()))
        # No consumer offsets: scoring resumes where it stopped and ignores revisions the
        # rebuild already applied, as they are not newer than the stored ones.
        await store.persist(conn, plan, topic="", next_offsets={})


async def publish_feed(settings: Settings, pool: db.Pool) -> bool:
    """Relays the unpublished feed rows to Kafka as scoring's relay does; False when Kafka
    did not take them in time (they stay stored and scoring publishes them when it runs)."""
    relay = OutboxRelay(pool, (store.FeedOutbox(settings.changes_topic),),
                        lambda: kafka.new_producer(settings), Readiness())
    task = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(PUBLISH_TIMEOUT_S):
            while True:
                if not await pool.fetchval("SELECT count(*) FROM feed WHERE published_at IS NULL"):
                    return True
                await asyncio.sleep(0.1)
    except TimeoutError:
        return False
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def scoring_lock_holder(conn: db.Connection) -> str:
    row = await conn.fetchrow(
        "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l"
        " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
        # A bigint key is split into classid (high half) and objid (low half).
        " AND l.classid::bigint = $1::bigint >> 32"
        " AND l.objid::bigint = $1::bigint & 4294967295 AND l.objsubid = 1",
        store.SCORING_LOCK,
    )
    if row is None:
        return "a session that has just gone"
    return (f"PostgreSQL backend {row['pid']} from {row['client_addr']},"
            f" connected since {row['backend_start']:%Y-%m-%d %H:%M:%S %Z}")


def progress_bar(total: int) -> Callable[[Iterator[AcceptedResult]], Iterator[AcceptedResult]]:
    def wrap(results: Iterator[AcceptedResult]) -> Iterator[AcceptedResult]:
        # Only for people watching (a terminal) or for runs long enough to need one.
        show = sys.stderr.isatty() or total >= LONG_RUN_REVISIONS
        return iter(tqdm(results, total=total, desc="rebuild", unit="rev", file=sys.stderr,
                         disable=not show, delay=0.5, leave=False))
    return wrap


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile. Reading and replaying the revisions only adds
    objects that stay alive until the replay is done (392,000 tracked once 20,000 revisions
    are read), and each full collection walks them all: 6-7 of them took 1.9 s of a 3.2 s
    rebuild of 20,000 revisions. Nothing made meanwhile needs the collector: it is freed by
    reference counting, or by the first collection after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Outcome:
    stored: Stored
    comparison: Comparison
    plan: Plan | None  # what was written, when applied


async def rebuild(
    conn: db.Connection, definitions: Definitions, *, apply: bool, out: TextIO
) -> Outcome:
    """Reads, recomputes, compares and reports; with `apply` writes any difference.
    The caller holds the scoring lock when applying."""
    with collection_paused():
        stored, rebuilt = await read_and_recompute(conn, definitions)
        comparison = compare(stored, rebuilt)
    report(comparison, stored, rebuilt, out)
    if comparison.equal or not apply:
        return Outcome(stored, comparison, None)
    plan = rebuild_plan(stored, rebuilt, comparison, datetime.now(UTC))
    await write(conn, stored, rebuilt, plan)
    print(f"rebuild: applied: {len(plan.events)} events and {len(plan.stamped)} tables"
          f" written, tables version {stored.version} → {plan.version},"
          f" {len(plan.feed)} feed messages stored", file=out)
    return Outcome(stored, comparison, plan)


async def run(settings: Settings, *, apply: bool, out: TextIO = sys.stdout) -> int:
    """The `podium rebuild` command; returns its exit code."""
    definitions = load_definitions(settings.games_dir)
    pool = await db.create_pool(settings.database_url, max_size=2)
    try:
        await db.migrate(pool)
        async with pool.acquire() as conn:
            # Scoring holds this lock for its whole life: while it runs, its in-memory state
            # would overwrite whatever the rebuild writes.
            if apply and not await conn.fetchval("SELECT pg_try_advisory_lock($1)",
                                                 store.SCORING_LOCK):
                print(f"podium rebuild --apply: a scoring process is running (it holds the"
                      f" scoring lock: {await scoring_lock_holder(conn)}). Nothing was"
                      " changed. Stop the scoring service, run `podium rebuild --apply`"
                      " again, then start scoring.", file=sys.stderr)
                return EXIT_SCORING_RUNNING
            try:
                outcome = await rebuild(conn, definitions, apply=apply, out=out)
            finally:
                if apply:
                    await conn.execute("SELECT pg_advisory_unlock($1)", store.SCORING_LOCK)
        if outcome.plan is None:
            return EXIT_EQUAL if outcome.comparison.equal else EXIT_DIFFERENT
        if await publish_feed(settings, pool):
            print("rebuild: feed messages published; live boards show the change", file=out)
        else:
            print(f"rebuild: Kafka ({settings.kafka_bootstrap}) did not take the feed messages"
                  f" within {PUBLISH_TIMEOUT_S:g} s; they stay stored and the scoring service"
                  " publishes them when it runs", file=out)
        return EXIT_EQUAL
    finally:
        await pool.close()
