"""What one client may make broadcast do (issue 15, point 5), without I/O: the token
bucket, connections and key checks per address, who an address is behind a proxy, and the
HTTP requests waiting at once."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from services.broadcast import keys
from services.broadcast.access import client_address
from services.broadcast.config import LiveSettings
from services.broadcast.keys import KEY_CACHE_SIZE, KEY_CHECK_BURST, MediaKeys
from services.broadcast.limits import ConnectionsPerAddress, RatePerAddress, RequestsInFlight
from shared.adapters.db import Database
from shared.adapters.rates import TokenBucket
from shared.adapters.tokens import Token
from shared.adapters.web import ProblemError


def test_a_token_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket(rate=2, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.wait_s(0.0) == pytest.approx(0.5)
    assert bucket.take(0.5) and not bucket.take(0.5)
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]  # capped


def test_connections_per_address_are_counted_and_capped() -> None:
    connections = ConnectionsPerAddress(cap=2)
    assert connections.open("a") and connections.open("a") and not connections.open("a")
    assert connections.open("b")
    connections.close("a")
    assert connections.open("a") and not connections.open("a")


def test_rates_per_address_forget_the_least_recent_address_first(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("services.broadcast.limits.REMEMBERED_ADDRESSES", 2)
    rates = RatePerAddress(per_minute=0, burst=1)
    assert rates.take("a", 0) and rates.take("b", 0) and not rates.take("a", 0)
    assert rates.take("c", 0)  # forgets b, the least recent
    assert not rates.take("a", 0) and rates.take("b", 0)


def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy() -> None:
    plain = LiveSettings()
    behind = LiveSettings(trusted_proxies="10.0.0.2, 172.16.0.0/12")
    assert client_address(plain, "10.0.0.2", "203.0.113.5") == "10.0.0.2"
    assert client_address(behind, "198.51.100.1", "203.0.113.5") == "198.51.100.1"
    assert client_address(behind, "10.0.0.2", "203.0.113.5") == "203.0.113.5"
    # The last hop before the trusted ones: what the client wrote itself comes first.
    assert client_address(behind, "10.0.0.2", "1.1.1.1, 203.0.113.5, 172.16.4.4") \
        == "203.0.113.5"
    assert client_address(behind, "10.0.0.2", None) == "10.0.0.2"


class Lookups:
    """find_token without PostgreSQL, counting the queries."""

    def __init__(self, known: dict[str, Token]) -> None:
        self.known = known
        self.queries = 0

    async def __call__(self, pool: Any, secret: str) -> Token | None:
        self.queries += 1
        return self.known.get(secret)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Lookups:
    found = Lookups({})
    monkeypatch.setattr(keys, "find_token", found)
    monkeypatch.setattr(Database, "pool", property(lambda self: None))
    return found


def media_keys(**settings: Any) -> MediaKeys:
    return MediaKeys(LiveSettings(**settings), Database("postgresql://unused"))


async def refusal(checker: MediaKeys, key: str, address: str = "192.0.2.1") -> int:
    with pytest.raises(ProblemError) as refused:
        await checker.access(key, address)
    return refused.value.status


def made_up() -> str:
    return f"pdm_{secrets.token_urlsafe(32)}"


async def test_keys_not_shaped_like_a_key_cost_no_query(lookups: Lookups) -> None:
    checker = media_keys()
    for key in ("pdm_x", "a" * 10_000, "pdm_" + "!" * 43, made_up() + "x"):
        assert await refusal(checker, key) == 401
    assert lookups.queries == 0


async def test_an_address_checks_a_few_unknown_keys_then_is_refused_without_a_query(
    lookups: Lookups
) -> None:
    checker = media_keys(key_checks_per_address_per_minute=0.01)
    statuses = [await refusal(checker, made_up()) for _ in range(20)]
    assert statuses == [401] * KEY_CHECK_BURST + [429] * (20 - KEY_CHECK_BURST)
    assert lookups.queries == KEY_CHECK_BURST
    assert await refusal(checker, made_up(), "192.0.2.2") == 401  # another address
    # A key already checked is answered from memory, whatever the address's budget.
    known = made_up()
    lookups.known[known] = Token(1, "media", "焦作日报", ())
    granted = await checker.access(known, "192.0.2.3")
    for _ in range(20):
        assert await checker.access(known, "192.0.2.1") is granted


async def test_a_flood_of_made_up_keys_does_not_push_out_the_known_ones(
    lookups: Lookups
) -> None:
    checker = media_keys(key_checks_per_address_per_minute=10**9)
    known = made_up()
    lookups.known[known] = Token(1, "media", "焦作日报", ())
    await checker.access(known, "192.0.2.1")
    for flood in range(KEY_CACHE_SIZE + 10):
        await refusal(checker, made_up(), f"10.0.{flood // 200}.{flood % 200}")
        if flood % 100 == 0:
            await checker.access(known, "192.0.2.1")  # used now and then: kept
    queries = lookups.queries
    await checker.access(known, "192.0.2.1")
    assert lookups.queries == queries


async def test_only_a_few_key_checks_run_at_once(
    lookups: Lookups, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = asyncio.Event()

    async def slow(pool: Any, secret: str) -> Token | None:
        await release.wait()
        return None

    monkeypatch.setattr(keys, "find_token", slow)
    checker = media_keys()
    checks = [asyncio.create_task(checker.access(made_up(), f"192.0.2.{n}")) for n in range(5)]
    await asyncio.sleep(0)
    assert [check.done() for check in checks] == [False] * 3 + [True] * 2
    assert all(isinstance(c.exception(), ProblemError) and c.exception().status == 503
               for c in checks[3:])  # type: ignore[union-attr]
    release.set()
    await asyncio.gather(*checks, return_exceptions=True)


async def test_http_requests_past_the_limit_are_answered_503_at_once() -> None:
    release = asyncio.Event()

    async def slow(request: Request) -> PlainTextResponse:
        await release.wait()
        return PlainTextResponse("late")

    async def fast(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = RequestsInFlight(Starlette(routes=[Route("/slow", slow), Route("/healthz", fast),
                                             Route("/fast", fast)]), limit=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://podium") as client:
        waiting = [asyncio.create_task(client.get("/slow")) for _ in range(2)]
        for _ in range(100):  # until both are in the app
            await asyncio.sleep(0)
        assert app.waiting == 2
        refused = await client.get("/fast")
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert (await client.get("/healthz")).status_code == 200
        release.set()
        assert [(await task).text for task in waiting] == ["late", "late"]
        assert (await client.get("/fast")).text == "ok"
    assert app.waiting == 0
