"""Timing of the media renderers: a bulletin PDF and a share card, rendered cold and
served from the render cache (p50/p99 over N runs). `media_benchmark()` returns a dict for
the harness to report; `python -m bench.media [--runs N]` prints it as JSON.

The documents are those scoring publishes for random results on the shipped games.
"""

import argparse
import asyncio
import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import orjson

from bench.random_results import revision_chain
from bench.stats import percentile
from services.broadcast.media.bulletin import event_bulletin_pdf
from services.broadcast.media.cache import RenderCache
from services.broadcast.media.cards import table_card_png
from services.scoring.core import compute_tables, replay
from shared.adapters.definitions import default_games_dir, load_games, load_rules
from shared.contract.documents import stamp_table
from shared.contract.messages import AcceptedResult
from shared.domain.engine import Result
from shared.domain.games import Games
from shared.domain.rules import Rules

Documents = dict[str, dict[str, Any]]


def published(
    games: Games, rules: Rules, revisions: Iterable[AcceptedResult], version: int,
    updated_at: datetime,
) -> tuple[Documents, Documents]:
    """The event documents (by event id) and the tables (by channel, stamped with `version`
    and `updated_at`) that scoring publishes after `revisions`."""
    events = replay(games, rules, revisions)
    tables = compute_tables(games, rules, events)
    return ({event_id: state.document for event_id, state in events.items()},
            {channel: stamp_table(table, version, updated_at)
             for channel, table in tables.items()})


def sample_documents(seed: int = 14) -> tuple[Games, Documents, Documents]:
    """The shipped games and what scoring publishes for two random revisions per event."""
    rules = load_rules(default_games_dir() / "rules.yaml")
    games = load_games(default_games_dir() / "games.yaml", rules)
    rng = random.Random(seed)
    at = datetime.fromisoformat("2024-09-21T18:00:00+08:00")
    bodies = [body for event in games.events
              for body in revision_chain(rng, event, list(games.delegation_codes), 2)]
    revisions = [AcceptedResult.of(Result.model_validate(body), submission_id=index,
                                   accepted_at=at, entered_by="bench")
                 for index, body in enumerate(bodies, start=1)]
    documents, tables = published(games, rules, revisions, 1, at)
    return games, documents, tables


def _summary(seconds: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(seconds, 50) * 1000, 3),
            "p99_ms": round(percentile(seconds, 99) * 1000, 3)}


def _timed(render: Callable[[], bytes], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        seconds.append(time.perf_counter() - start)
    return seconds


async def _timed_cached(render: Callable[[], bytes], runs: int) -> list[float]:
    cache = RenderCache()
    await cache.get("bench", "output", 1, render)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        await cache.get("bench", "output", 1, render)
        seconds.append(time.perf_counter() - start)
    return seconds


def media_benchmark(runs: int = 20, seed: int = 14) -> dict[str, Any]:
    """Cold and cached rendering times of an official event's bulletin and the medal
    table's card, and their sizes."""
    games, documents, tables = sample_documents(seed)
    games_document = games.public_document()
    document = next(d for d in documents.values() if d["status"] == "official")
    outputs: dict[str, Callable[[], bytes]] = {
        "bulletin": lambda: event_bulletin_pdf(games_document, document),
        "card": lambda: table_card_png(games_document, "medals:all", tables["medals:all"],
                                       "https://podium.example/#/medals/all"),
    }
    figures: dict[str, Any] = {"runs": runs}
    for name, render in outputs.items():
        figures[name] = {"bytes": len(render()),
                         "cold": _summary(_timed(render, runs)),
                         "cached": _summary(asyncio.run(_timed_cached(render, runs)))}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20)
    print(orjson.dumps(media_benchmark(parser.parse_args().runs)).decode())


if __name__ == "__main__":
    main()
