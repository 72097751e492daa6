"""`podium backup` and `podium restore`: the whole games in one file, and back.

A backup is one tar file: `database.dump` (pg_dump's custom format, taken in the very snapshot
the manifest's counts were read in, so the two always agree), the games and rules files in
use, and `manifest.json` (when, the feed's last seq, row counts, a SHA-256 of every member).
A restore goes into an empty database only, checks every checksum first and every count after.
docs/operations.md ("Backups") gives the schedule for the games days.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson

from services.scoring import store
from services.scoring.rebuild import scoring_lock_holder
from shared.adapters import db
from shared.adapters.definitions import GAMES_FILE, RULES_FILE
from shared.adapters.settings import Settings

MANIFEST: Final = "manifest.json"
DUMP: Final = "database.dump"
FORMAT: Final = 1
# What a restore compares with the manifest: every table whose rows are the games' record.
COUNTED: Final = ("tokens", "submissions", "event_results", "standings", "feed")
_PREFIX: Final = "podium-backup-"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


@dataclass(frozen=True)
class Made:
    path: Path
    manifest: dict[str, Any]


def postgres_tool(name: str) -> str:
    """pg_dump or pg_restore: PATH's, else the newest of Debian's server folders."""
    found = shutil.which(name)
    if found is None:
        versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True,
                          key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
        found = str(versions[0]) if versions else None
    if found is None:
        raise BackupError(f"{name} is not installed; install PostgreSQL's client tools"
                          " (Debian: apt-get install postgresql-client)")
    return found


def _run(argv: list[str], what: str, stdin: bytes | None = None) -> bytes:
    result = subprocess.run(argv, input=stdin, capture_output=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): "
                          + result.stderr.decode(errors="replace").strip()[-2000:])
    return result.stdout


async def _state(conn: db.Connection) -> dict[str, Any]:
    counts = {table: int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
              for table in COUNTED}
    row = await conn.fetchrow("SELECT version, last_seq FROM scoring_state")
    assert row is not None, "the migrations create scoring_state's one row"
    migrations = [r["name"] for r in
                  await conn.fetch("SELECT name FROM schema_migrations ORDER BY name")]
    return {"counts": counts, "tables_version": row["version"], "last_seq": row["last_seq"],
            "migrations": migrations}


def _member(archive: tarfile.TarFile, name: str, data: bytes, when: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(when.timestamp())
    archive.addfile(info, io.BytesIO(data))


async def _dump(settings: Settings, pg_dump: str) -> tuple[dict[str, Any], bytes]:
    conn = await db.connect(settings.database_url)
    try:
        # pg_dump joins this transaction's snapshot, so the dump holds exactly what the
        # counts below saw, whatever ingest and scoring commit meanwhile.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            state = await _state(conn)
            dump = _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                         f"--snapshot={snapshot}", f"--dbname={settings.database_url}"],
                        "pg_dump")
    finally:
        await conn.close()
    return state, dump


def backup(settings: Settings, out_dir: Path, keep: int | None = None) -> Made:
    """Writes a new backup file into `out_dir`; with `keep`, deletes all but the newest
    `keep` backups there afterwards."""
    state, dump = asyncio.run(_dump(settings, postgres_tool("pg_dump")))
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    members = {DUMP: dump,
               GAMES_FILE: (settings.games_dir / GAMES_FILE).read_bytes(),
               RULES_FILE: (settings.games_dir / RULES_FILE).read_bytes()}
    manifest = {"format": FORMAT, "created_at": now.isoformat(), **state,
                "sha256": {name: hashlib.sha256(data).hexdigest()
                           for name, data in members.items()}}
    path = out_dir / f"{_PREFIX}{now:%Y%m%dT%H%M%S%fZ}.tar"
    partial = path.with_suffix(".tar.partial")
    with tarfile.open(partial, "w") as archive:
        _member(archive, MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2), now)
        for name, data in members.items():
            _member(archive, name, data, now)
    # Only a whole file carries the final name: a crash mid-write leaves no half backup.
    partial.rename(path)
    if keep is not None:
        for old in sorted(out_dir.glob(f"{_PREFIX}*.tar"))[:-keep]:
            old.unlink()
    return Made(path, manifest)


def read_backup(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the members, each checked against its checksum."""
    try:
        with tarfile.open(path) as archive:
            members = {member.name: archive.extractfile(member).read()  # type: ignore[union-attr]
                       for member in archive.getmembers() if member.isfile()}
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} is not a readable backup: {error}") from error
    if MANIFEST not in members:
        raise BackupError(f"{path} has no {MANIFEST}: it is not a Podium backup")
    manifest: dict[str, Any] = orjson.loads(members.pop(MANIFEST))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is a backup of format {manifest.get('format')!r}; this"
                          f" podium reads format {FORMAT}")
    for name, expected in manifest["sha256"].items():
        data = members.get(name)
        if data is None or hashlib.sha256(data).hexdigest() != expected:
            raise BackupError(f"{path}: {name} is missing or damaged (checksum mismatch);"
                              " use another backup")
    return manifest, members


async def _empty_or_raise(conn: db.Connection) -> None:
    tables = await conn.fetchval(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
    if not tables:
        return
    has_data = await conn.fetchval(
        "SELECT to_regclass('submissions') IS NOT NULL"
        " AND (EXISTS (SELECT FROM submissions) OR EXISTS (SELECT FROM tokens))")
    if has_data:
        raise BackupError("the database already holds results or tokens: restore only into"
                          " an empty database (create a new one, or drop this one first)")
    # Only the empty schema the services create at start: make room for the backup's.
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def restore(settings: Settings, path: Path) -> dict[str, Any]:
    """Restores the backup at `path` into the configured (empty) database and checks it;
    returns the manifest. Stop the services first."""
    manifest, members = read_backup(path)
    restored = asyncio.run(_restore(settings, members[DUMP], postgres_tool("pg_restore")))
    expected = {key: manifest[key] for key in restored}
    if restored != expected:
        raise BackupError(f"the restored database differs from the manifest: {restored} !="
                          f" {expected}")
    return manifest


async def _restore(settings: Settings, dump: bytes, pg_restore: str) -> dict[str, Any]:
    conn = await db.connect(settings.database_url)
    try:
        # Held until the end: a scoring process that started meanwhile would score from a
        # half-restored database.
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", store.SCORING_LOCK):
            raise BackupError("a scoring process is running (it holds the scoring lock:"
                              f" {await scoring_lock_holder(conn)}); stop the services first")
        await _empty_or_raise(conn)
        _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", f"--dbname={settings.database_url}"], "pg_restore",
             stdin=dump)
        await db.grant_service_roles(conn)  # the dump leaves privileges out
        # The feed goes on from the backup's last seq, reusing numbers that clients of the
        # lost database hold: a new epoch makes them reset instead of trusting those seqs.
        # (A backup from before the epoch existed gets one from its migration.)
        if await conn.fetchval("SELECT to_regproc('rotate_feed_epoch') IS NOT NULL"):
            await conn.execute("SELECT rotate_feed_epoch()")
        return await _state(conn)
    finally:
        await conn.close()
