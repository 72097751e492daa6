"""Timing of the media renderers: a bulletin PDF and a share card, rendered cold and
served from the render cache (p50/p99 over N runs), and what rendering does to the event
loop beside it: how late a 2 ms timer on the loop fires while a burst of cards and
bulletins renders in broadcast's render processes, and, for comparison, in a thread of the
loop's own process. `media_benchmark()` returns a dict for the harness to report; `python
-m bench.media [--runs N]` prints it as JSON.

The documents are those scoring publishes for random results on the shipped games.
"""

import argparse
import asyncio
import random
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any, Final

import orjson

from bench.random_results import revision_chain
from bench.stats import percentile
from services.broadcast.media.bulletin import event_bulletin_pdf
from services.broadcast.media.cache import RenderCache
from services.broadcast.media.cards import event_card_png, table_card_png
from services.broadcast.media.processes import RenderProcesses
from services.scoring.core import compute_tables, replay
from shared.adapters.definitions import default_games_dir, load_games, load_rules
from shared.contract.documents import stamp_table
from shared.contract.messages import AcceptedResult
from shared.domain.engine import Result
from shared.domain.games import Games
from shared.domain.rules import Rules

Documents = dict[str, dict[str, Any]]

# The loop's timer: how often a live fan-out would get its turn.
TICK_S: Final = 0.002
# Outputs rendered at once in the loop-lag burst (each a distinct one: no cache hit).
BURST: Final = 12


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
              for body in revision_chain(rng, event, list(games.delegation_codes), 2,
                                         games.records.measure(event.id))]
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


async def _loop_lag(executor: Executor, renders: Sequence[Callable[[], bytes]]) -> list[float]:
    """How late each tick of a TICK_S timer ran while `renders` rendered through a cache on
    `executor`, in seconds."""
    cache = RenderCache(executor=executor)
    lags: list[float] = []
    finished = asyncio.Event()

    async def tick() -> None:
        while not finished.is_set():
            start = time.perf_counter()
            await asyncio.sleep(TICK_S)
            lags.append(time.perf_counter() - start - TICK_S)

    ticker = asyncio.create_task(tick())
    await asyncio.gather(*(cache.get("bench", str(number), 1, render)
                           for number, render in enumerate(renders)))
    finished.set()
    await ticker
    return lags


async def _loop_lags(renders: Sequence[Callable[[], bytes]]) -> dict[str, dict[str, float]]:
    processes = RenderProcesses(1)
    threads = ThreadPoolExecutor(1)
    try:
        await asyncio.wrap_future(processes.start())  # started and warm, as in broadcast
        return {"processes": _summary(await _loop_lag(processes, renders)),
                "threads": _summary(await _loop_lag(threads, renders))}
    finally:
        processes.shutdown()
        threads.shutdown()


def media_benchmark(runs: int = 20, seed: int = 14, burst: int = BURST) -> dict[str, Any]:
    """Cold and cached rendering times of an official event's bulletin and the medal
    table's card, their sizes, and the event loop's lag while a burst of them renders."""
    games, documents, tables = sample_documents(seed)
    games_document = games.public_document()
    document = next(d for d in documents.values() if d["status"] == "official")
    live = "https://podium.example/#/"
    outputs: dict[str, Callable[[], bytes]] = {
        "bulletin": partial(event_bulletin_pdf, games_document, document),
        "card": partial(table_card_png, games_document, "medals:all", tables["medals:all"],
                        live + "medals/all"),
    }
    figures: dict[str, Any] = {"runs": runs}
    for name, render in outputs.items():
        figures[name] = {"bytes": len(render()),
                         "cold": _summary(_timed(render, runs)),
                         "cached": _summary(asyncio.run(_timed_cached(render, runs)))}
    renders = [partial(event_card_png, games_document, doc, live + "event/" + doc["event"]["id"])
               if number % 2 else partial(event_bulletin_pdf, games_document, doc)
               for number, doc in enumerate(list(documents.values())[:burst])]
    figures["loop_lag"] = asyncio.run(_loop_lags(renders))
    return figures


def flat_figures(figures: dict[str, Any] | None) -> dict[str, float | None]:
    """The harness's keys: bulletin_cold_p50_ms ... card_cached_p99_ms, and the loop's lag
    during renders in the render processes (render_loop_lag_p99_ms) and, for comparison, in
    a thread (render_loop_lag_thread_p99_ms)."""
    flat: dict[str, float | None] = {}
    for output in ("bulletin", "card"):
        for way in ("cold", "cached"):
            for quantile in ("p50_ms", "p99_ms"):
                flat[f"{output}_{way}_{quantile}"] = (
                    None if figures is None else figures[output][way][quantile])
    lags = None if figures is None else figures["loop_lag"]
    flat["render_loop_lag_p99_ms"] = None if lags is None else lags["processes"]["p99_ms"]
    flat["render_loop_lag_thread_p99_ms"] = None if lags is None else lags["threads"]["p99_ms"]
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20)
    print(orjson.dumps(media_benchmark(parser.parse_args().runs)).decode())


if __name__ == "__main__":
    main()
