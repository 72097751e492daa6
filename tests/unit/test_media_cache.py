"""The render cache: a burst of requests for one version renders once, in a thread."""

import asyncio
import threading

import pytest

from services.broadcast.media.cache import RenderCache


class SlowRender:
    """A render that blocks its worker thread until released, counting its calls."""

    def __init__(self, body: bytes = b"png") -> None:
        self.body = body
        self.calls = 0
        self.release = threading.Event()
        self.threads: set[str] = set()

    def __call__(self) -> bytes:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        self.release.wait(5)
        return self.body


async def test_a_burst_for_one_version_renders_once_off_the_event_loop() -> None:
    cache = RenderCache()
    render = SlowRender()
    waiting = [asyncio.ensure_future(cache.get("card", "medals:all", 17, render))
               for _ in range(50)]
    await asyncio.sleep(0.05)
    assert not any(task.done() for task in waiting)  # all wait for the one render
    render.release.set()
    assert [output.body for output in await asyncio.gather(*waiting)] == [b"png"] * 50
    assert render.calls == 1 and cache.renders == 1
    assert threading.main_thread().name not in render.threads
    assert (await cache.get("card", "medals:all", 17, render)).body == b"png"  # cached
    assert render.calls == 1


async def test_a_new_version_renders_again_and_replaces_the_old() -> None:
    cache = RenderCache()
    old, new = SlowRender(b"v17"), SlowRender(b"v18")
    old.release.set()
    new.release.set()
    assert (await cache.get("card", "medals:all", 17, old)).body == b"v17"
    assert (await cache.get("card", "medals:all", 18, new)).body == b"v18"
    assert (await cache.get("card", "medals:all", 18, old)).body == b"v18"
    assert len(cache) == 1 and cache.renders == 2


async def test_a_failed_render_reaches_every_waiter_and_is_forgotten() -> None:
    cache = RenderCache()

    def broken() -> bytes:
        raise OSError("font missing")

    results = await asyncio.gather(*(cache.get("card", "x", 1, broken) for _ in range(3)),
                                   return_exceptions=True)
    assert [str(result) for result in results] == ["font missing"] * 3
    assert cache.renders == 1 and len(cache) == 0
    assert (await cache.get("card", "x", 1, lambda: b"ok")).body == b"ok"  # tried again


async def test_a_cancelled_request_leaves_the_render_to_the_others() -> None:
    cache = RenderCache()
    render = SlowRender()
    first = asyncio.ensure_future(cache.get("bulletin", "e", 2, render))
    second = asyncio.ensure_future(cache.get("bulletin", "e", 2, render))
    await asyncio.sleep(0.02)
    first.cancel()
    render.release.set()
    assert (await second).body == b"png"
    assert first.cancelled() and render.calls == 1


async def test_the_oldest_output_goes_past_the_capacity() -> None:
    cache = RenderCache(capacity=2)
    for key in ("a", "b", "c"):
        await cache.get("card", key, 1, lambda: b"x")
    await cache.get("card", "a", 1, lambda: b"again")
    assert cache.renders == 4  # "a" had been evicted


def test_the_capacity_must_hold_an_output() -> None:
    with pytest.raises(ValueError, match="capacity must be at least 1, not 0"):
        RenderCache(capacity=0)
