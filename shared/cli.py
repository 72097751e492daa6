"""`podium`: run the whole system, manage tokens, rebuild the tables."""

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import Sequence

import orjson

from shared import db
from shared.definitions import load_definitions
from shared.logs import configure_logging
from shared.settings import Settings, get_settings
from shared.stack import SERVICES, Stack
from shared.tokens import ROLES, Role, create_token, list_tokens, revoke_token


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
            role: Role = args.role
            venues = tuple(args.venue or ())
            if venues and role != "official":
                print("--venue applies to officials only", file=sys.stderr)
                return 2
            known = {venue.id for venue in load_definitions(settings).games.venues}
            unknown = [v for v in venues if v not in known]
            if unknown:
                print(f"unknown venue(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                      file=sys.stderr)
                return 2
            if role == "media" and not args.name:
                print("a media key needs --name OUTLET", file=sys.stderr)
                return 2
            token, secret = await create_token(pool, role, args.name or role, venues)
            scope = ", ".join(venues) if venues else "every venue"
            print(f"created {role} token #{token.id} for {token.name!r}"
                  + (f" ({scope})" if role == "official" else ""))
            print(secret)
        elif args.token_command == "list":
            for row in await list_tokens(pool):
                state = "revoked" if row["revoked_at"] else "active"
                scope = ",".join(row["venues"]) or "*"
                print(f"#{row['id']}\t{row['role']}\t{row['name']}\t{scope}\t{state}\t"
                      f"{row['created_at'].isoformat()}")
        elif args.token_command == "revoke":
            if not await revoke_token(pool, args.id):
                print(f"no active token #{args.id}", file=sys.stderr)
                return 1
            print(f"revoked token #{args.id}")
        return 0
    finally:
        await pool.close()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="podium", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start PostgreSQL, Kafka and the three services")

    token = commands.add_parser("token", help="create, list or revoke tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="print a new token (last line)")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--venue", action="append", help="official's venue (repeatable)")
    create.add_argument("--name", help="who holds it: the official or the outlet")
    token_commands.add_parser("list", help="list tokens")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its number")
    revoke.add_argument("id", type=int)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    if args.command == "run":
        return run(settings)
    if args.command == "token":
        return asyncio.run(token_command(settings, args))
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
