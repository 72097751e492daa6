"""`podium`: run the whole system, manage tokens, import registrations, rebuild the tables,
back up and restore."""

import argparse
import asyncio
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from services.cli import backup
from services.cli.entries import entries_command
from services.cli.located import database_url, located
from services.cli.tokens import token_command
from services.scoring import rebuild
from shared.adapters.db import Database
from shared.adapters.logs import configure_logging
from shared.adapters.settings import REPO_ROOT, Settings, get_settings
from shared.adapters.tokens import ROLES

MIGRATE_WAIT_S = 120


def rebuild_command(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(rebuild.run(located(settings), apply=args.apply))


async def migrate_command(settings: Settings) -> int:
    """Applies the migrations not applied yet, waiting a while for PostgreSQL to answer (a
    one-shot job must end)."""
    database = Database(database_url(settings), max_size=1)
    try:
        async with asyncio.timeout(MIGRATE_WAIT_S):
            await database.connect()
    except TimeoutError:
        print(f"podium migrate: PostgreSQL did not answer within {MIGRATE_WAIT_S} s",
              file=sys.stderr)
        return 1
    finally:
        await database.close()
    print("the database schema is current")
    return 0


def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        made = backup.backup(located(settings), Path(args.out), keep=args.keep)
    except backup.BackupError as error:
        print(f"podium backup: {error}", file=sys.stderr)
        return 1
    counts = made.manifest["counts"]
    print(f"backup written: {made.path} ({made.path.stat().st_size:,} bytes; last seq"
          f" {made.manifest['last_seq']}, {counts['submissions']} result revisions,"
          f" {counts['tokens']} tokens)")
    return 0


def restore_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        manifest = backup.restore(located(settings), Path(args.file))
    except backup.BackupError as error:
        print(f"podium restore: {error}", file=sys.stderr)
        return 1
    print(f"restored the backup of {manifest['created_at']}: last seq {manifest['last_seq']},"
          f" {manifest['counts']['submissions']} result revisions. Start the services; results"
          " entered after the backup must be sent again (docs/operations.md, \"Restore\")")
    return 0


def run_command(settings: Settings) -> int:
    # The local launcher is imported only here: nothing else of Podium needs it, and the
    # production image runs the services without it.
    from launcher.run import run

    return run(settings)


def bench_command(args: argparse.Namespace) -> int:
    # bench/ is development tooling, not part of the installed package: it runs from the
    # repository, as `make bench` does.
    argv = [args.part, *(["--quick"] if args.quick else [])]
    return subprocess.run([sys.executable, "-m", "bench", *argv], cwd=REPO_ROOT,
                          check=False).returncode


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="podium", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start PostgreSQL, Kafka and the three services")
    commands.add_parser(
        "migrate", help="apply the database migrations (as the owner role)",
        description="Applies the migrations not applied yet to PODIUM_DATABASE_URL's database."
        " Services started with PODIUM_MIGRATE=false wait until this has run.")

    token = commands.add_parser(
        "token", help="create, list or revoke tokens",
        description="recorder: enters results, its official ones wait for a referee;"
        " referee: enters and confirms; official: v1's role, enters (all three for --venue"
        " venues, else every venue); admin: the results desk, every venue; media: an"
        " outlet's key.",
    )
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="print a new token (last line)")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--venue", action="append",
                        help="a recorder's, referee's or official's venue (repeatable)")
    create.add_argument("--name", help="who holds it (the official or the outlet); shown in "
                        "the audit trail")
    create.add_argument("--expires", metavar="DAY_OR_TIME",
                        help="refused from then on: a day (2024-09-30, through its end,"
                        " Beijing time) or a time (2024-09-30T18:00)")
    token_commands.add_parser("list", help="list tokens with what each has entered")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its number (#)")
    revoke.add_argument("id", type=int)

    entries = commands.add_parser(
        "entries", help="import the delegations' registrations (报名)",
        description="Imports a registration file (.xlsx or .csv; docs/officials.md lists its"
        " columns): every problem is listed by sheet, row and column and nothing is stored"
        " unless the whole file is valid. A file replaces, for each event and delegation it"
        " has rows for, that delegation's entries, draws the event's first-round start lists"
        " again (unless the round has started) and prints what changed.",
    )
    entries_commands = entries.add_subparsers(dest="entries_command", required=True)
    entries_import = entries_commands.add_parser("import", help="import FILE")
    entries_import.add_argument("file", help="the .xlsx or .csv file")
    entries_import.add_argument("--check", action="store_true",
                                help="check the file and print the changes; store nothing")

    rebuild_parser = commands.add_parser(
        "rebuild",
        help="recompute every event and table from the stored revisions and compare",
        description="Recomputes every event's latest result and every table from the accepted"
        " revisions with the current games and rules files, and prints each difference from"
        " what is stored. Exit status: 0 equal (or applied), 1 different, 3 --apply refused"
        " because the scoring service is running.",
    )
    rebuild_parser.add_argument(
        "--apply", action="store_true",
        help="write the recomputed state and announce it on the live feed (stop scoring first)",
    )

    backup_parser = commands.add_parser(
        "backup", help="write the whole games (database, games and rules files) to one file",
        description="A consistent dump of the database with the games and rules files and a"
        " manifest, as podium-backup-<UTC time>.tar in --out. Safe while the games run.",
    )
    backup_parser.add_argument("--out", default="backups",
                               help="folder for the backup file (default: ./backups)")
    backup_parser.add_argument("--keep", type=int, help="keep only the newest N backups there")
    restore_parser = commands.add_parser(
        "restore", help="restore a backup file into an empty database (services stopped)")
    restore_parser.add_argument("file")

    bench = commands.add_parser(
        "bench", help="measure Podium against its performance targets (docs/benchmarks.md)")
    bench.add_argument("part", nargs="?", default="all",
                       help="all (default), fanout, e2e, ingest, rebuild or media")
    bench.add_argument("--quick", action="store_true", help="2,000 clients, shorter loads")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    if args.command == "run":
        return run_command(settings)
    if args.command == "migrate":
        return asyncio.run(migrate_command(settings))
    if args.command == "token":
        return asyncio.run(token_command(settings, args))
    if args.command == "entries":
        return asyncio.run(entries_command(located(settings), args))
    if args.command == "rebuild":
        return rebuild_command(settings, args)
    if args.command == "backup":
        return backup_command(settings, args)
    if args.command == "restore":
        return restore_command(settings, args)
    if args.command == "bench":
        return bench_command(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
