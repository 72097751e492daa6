"""`podium`: run the whole system, manage tokens, rebuild the tables."""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

import orjson

from services.scoring import rebuild
from shared import db
from shared.definitions import load_definitions
from shared.logs import configure_logging
from shared.settings import REPO_ROOT, Settings, get_settings
from shared.stack import SERVICES, Stack
from shared.tokens import ROLES, Role, TokenListing, create_token, list_tokens, revoke_token


def database_url(settings: Settings) -> str:
    """The configured database, else the one a running `podium run` started."""
    if "PODIUM_DATABASE_URL" in os.environ:
        return settings.database_url
    run_file = settings.home / "run.json"
    if run_file.exists():
        url: str = orjson.loads(run_file.read_bytes())["database_url"]
        return url
    return settings.database_url


# --- podium run -----------------------------------------------------------------------


def run(settings: Settings) -> int:
    stack = Stack(
        home=settings.home.resolve(),
        database_url=os.environ.get("PODIUM_DATABASE_URL"),
        kafka_bootstrap=os.environ.get("PODIUM_KAFKA_BOOTSTRAP"),
        broadcast_processes=settings.broadcast_processes,
    )
    stack.ports.ingest = settings.ingest_port
    stack.ports.scoring = settings.scoring_port
    stack.ports.broadcast = settings.broadcast_port
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    started = time.monotonic()
    try:
        print(f"podium: starting under {stack.home}", flush=True)
        stack.start_infra()
        stack.start_services()
        stack.wait_healthy(timeout=170)
        board = stack.url("broadcast")
        print(
            f"\npodium is up in {time.monotonic() - started:.1f} s\n"
            f"  live board        {board}/\n"
            f"  standings (REST)  {board}/v1/standings/medals  {board}/v1/standings/points\n"
            f"  games             {board}/v1/games\n"
            f"  live feed (WS)    ws://127.0.0.1:{stack.ports.broadcast}/v1/live\n"
            f"  entry page        {stack.url('ingest')}/enter\n"
            f"  enter results     POST {stack.url('ingest')}/v1/results\n"
            f"  health            " + "  ".join(f"{stack.url(s)}/healthz" for s in SERVICES)
            + "\n  create a token    .venv/bin/podium token create --role official\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        while not stopping:
            for name, process in stack.processes.items():
                if not process.running():
                    print(f"podium: {name} exited; see {stack.home}/logs/{name}.log",
                          file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        print("podium: stopping", flush=True)
        stack.stop()


# --- podium token -----------------------------------------------------------------------


async def token_command(settings: Settings, args: argparse.Namespace) -> int:
    pool = await db.create_pool(database_url(settings), max_size=1)
    try:
        await db.migrate(pool)
        if args.token_command == "create":
            return await _create_token(settings, pool, args)
        if args.token_command == "list":
            _print_tokens(await list_tokens(pool))
            return 0
        name = await revoke_token(pool, args.id)
        if name is None:
            print(f"no active token #{args.id}; `podium token list` shows them", file=sys.stderr)
            return 1
        print(f"revoked token #{args.id} ({name}); it is refused from now on")
        return 0
    finally:
        await pool.close()


async def _create_token(settings: Settings, pool: db.Pool, args: argparse.Namespace) -> int:
    role: Role = args.role
    venues = tuple(dict.fromkeys(args.venue or ()))
    known = {venue.id for venue in load_definitions(settings).games.venues}
    unknown = [v for v in venues if v not in known]
    if unknown:
        print(f"unknown venue(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}",
              file=sys.stderr)
        return 2
    if role == "media" and not args.name:
        print("a media key needs --name OUTLET", file=sys.stderr)
        return 2
    try:
        token, secret = await create_token(pool, role, args.name, venues)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if args.name is None:
        print(f"no --name given: the audit trail will name this token {token.name!r}",
              file=sys.stderr)
    scope = f" for venues {', '.join(venues)}" if venues else ""
    if role != "media":
        scope = scope or " for every venue"
    print(f"created {role} token #{token.id} {token.name!r}{scope}")
    print(secret)
    return 0


def _print_tokens(listings: list[TokenListing]) -> None:
    print("#\trole\tname\tvenues\tstate\tcreated\tresults entered\tlast entered")
    for listing in listings:
        token = listing.token
        state = f"revoked {listing.revoked_at:%Y-%m-%d %H:%M}" if listing.revoked_at else "active"
        venues = ",".join(token.venues) or ("*" if token.enters_results else "-")
        last = f"{listing.last_entered_at:%Y-%m-%d %H:%M}" if listing.last_entered_at else "-"
        print(f"#{token.id}\t{token.role}\t{token.name}\t{venues}\t{state}\t"
              f"{listing.created_at:%Y-%m-%d %H:%M}\t{listing.results_entered}\t{last}")


# --- podium rebuild ---------------------------------------------------------------------


def kafka_bootstrap(settings: Settings) -> str:
    """The configured Kafka, else the one a running `podium run` started."""
    run_file = settings.home / "run.json"
    if "PODIUM_KAFKA_BOOTSTRAP" not in os.environ and run_file.exists():
        bootstrap: str = orjson.loads(run_file.read_bytes())["kafka_bootstrap"]
        return bootstrap
    return settings.kafka_bootstrap


def rebuild_command(settings: Settings, args: argparse.Namespace) -> int:
    located = settings.model_copy(update={
        "database_url": database_url(settings), "kafka_bootstrap": kafka_bootstrap(settings),
    })
    return asyncio.run(rebuild.run(located, apply=args.apply))


# --- podium bench -----------------------------------------------------------------------


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

    token = commands.add_parser(
        "token", help="create, list or revoke tokens",
        description="official: enters results (for --venue venues, else every venue); admin: "
        "the results desk, enters results at every venue; media: an outlet's key.",
    )
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="print a new token (last line)")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--venue", action="append", help="official's venue (repeatable)")
    create.add_argument("--name", help="who holds it (the official or the outlet); shown in "
                        "the audit trail")
    token_commands.add_parser("list", help="list tokens with what each has entered")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its number (#)")
    revoke.add_argument("id", type=int)

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

    bench = commands.add_parser(
        "bench", help="measure Podium against its performance targets (docs/benchmarks.md)")
    bench.add_argument("part", nargs="?", default="all",
                       help="all (default), fanout, e2e, ingest or rebuild")
    bench.add_argument("--quick", action="store_true", help="2,000 clients, shorter loads")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    if args.command == "run":
        return run(settings)
    if args.command == "token":
        return asyncio.run(token_command(settings, args))
    if args.command == "rebuild":
        return rebuild_command(settings, args)
    if args.command == "bench":
        return bench_command(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
