"""`podium token`: create, list and revoke the tokens of officials, media and the desk."""

import argparse
import sys
from datetime import UTC, datetime

from services.cli.located import database_url
from shared.adapters import db
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from shared.adapters.tokens import (
    Role,
    TokenListing,
    create_token,
    list_tokens,
    parse_expiry,
    revoke_token,
)


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
    known = {venue.id for venue in load_definitions(settings.games_dir).games.venues}
    unknown = [v for v in venues if v not in known]
    if unknown:
        print(f"unknown venue(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}",
              file=sys.stderr)
        return 2
    if role == "media" and not args.name:
        print("a media key needs --name OUTLET", file=sys.stderr)
        return 2
    try:
        expires_at = (None if args.expires is None
                      else parse_expiry(args.expires, datetime.now(UTC)))
        token, secret = await create_token(pool, role, args.name, venues,
                                           expires_at=expires_at)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if args.name is None:
        print(f"no --name given: the audit trail will name this token {token.name!r}",
              file=sys.stderr)
    scope = f" for venues {', '.join(venues)}" if venues else ""
    if role != "media":
        scope = scope or " for every venue"
    until = f", until {expires_at:%Y-%m-%d %H:%M %z}" if expires_at else ""
    print(f"created {role} token #{token.id} {token.name!r}{scope}{until}")
    print(secret)
    return 0


def _print_tokens(listings: list[TokenListing]) -> None:
    print("#\trole\tname\tvenues\tstate\tcreated\texpires\tresults entered\tlast entered")
    now = datetime.now(UTC)
    for listing in listings:
        token = listing.token
        state: str = listing.state(now)
        if listing.revoked_at:
            by = f" by {listing.revoked_by}" if listing.revoked_by else ""
            state = f"revoked {listing.revoked_at:%Y-%m-%d %H:%M}{by}"
        created = f"{listing.created_at:%Y-%m-%d %H:%M}" + (
            f" by {listing.created_by}" if listing.created_by else "")
        venues = ",".join(token.venues) or ("*" if token.enters_results else "-")
        expires = f"{listing.expires_at:%Y-%m-%d %H:%M}" if listing.expires_at else "-"
        last = f"{listing.last_entered_at:%Y-%m-%d %H:%M}" if listing.last_entered_at else "-"
        print(f"#{token.id}\t{token.role}\t{token.name}\t{venues}\t{state}\t{created}\t"
              f"{expires}\t{listing.results_entered}\t{last}")
