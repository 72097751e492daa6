"""ingest remembers a token it found active for FOUND_TOKEN_S, well within the contract's 5 s
for refusing a revoked or expired one, and forgets one it revoked at once."""

from __future__ import annotations

from typing import Any

from shared.adapters import tokens
from shared.adapters.tokens import FOUND_TOKEN_S, FoundTokens, hash_secret

SECRET = "pdo_" + "a" * 43


class Tokens:
    """The tokens table, as find_token asks it: active rows by their secret's hash."""

    def __init__(self) -> None:
        self.active: dict[bytes, dict[str, Any]] = {
            hash_secret(SECRET): {"id": 7, "role": "official", "name": "裁判", "venues": ["v1"]}}
        self.queries = 0

    async def fetchrow(self, query: str, token_hash: bytes) -> dict[str, Any] | None:
        assert "revoked_at IS NULL" in query, "only active tokens are found"
        self.queries += 1
        return self.active.get(token_hash)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_found_token_is_asked_for_again_only_after_found_token_s() -> None:
    table, clock = Tokens(), Clock()
    found = FoundTokens(clock)
    first = await found.find(table, SECRET)  # type: ignore[arg-type]
    assert first is not None and (first.id, first.venues) == (7, ("v1",))
    clock.now += FOUND_TOKEN_S - 0.1
    assert await found.find(table, SECRET) == first  # type: ignore[arg-type]
    assert table.queries == 1
    table.active.clear()  # revoked meanwhile, by another process
    clock.now += 0.2
    assert await found.find(table, SECRET) is None  # type: ignore[arg-type]
    assert await found.find(table, SECRET) is None  # type: ignore[arg-type]
    assert table.queries == 3  # an unknown or refused secret is never remembered
    assert FOUND_TOKEN_S < 5.0  # the contract's bound for refusing it everywhere


async def test_a_token_revoked_here_is_refused_from_its_next_request() -> None:
    table, clock = Tokens(), Clock()
    found = FoundTokens(clock)
    assert await found.find(table, SECRET) is not None  # type: ignore[arg-type]
    table.active.clear()
    found.forget(7)
    assert await found.find(table, SECRET) is None  # type: ignore[arg-type]


async def test_past_its_size_the_cache_starts_again(monkeypatch: Any) -> None:
    monkeypatch.setattr(tokens, "FOUND_TOKENS_MAX", 2)
    table, clock = Tokens(), Clock()
    others = ["pdo_" + letter * 43 for letter in "bc"]
    for other in others:
        table.active[hash_secret(other)] = {"id": 8, "role": "official", "name": "b",
                                            "venues": []}
    found = FoundTokens(clock)
    for secret in (SECRET, *others, SECRET):
        assert await found.find(table, secret) is not None  # type: ignore[arg-type]
    assert table.queries == 4  # the third secret emptied the cache, so the first is asked again
