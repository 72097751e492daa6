"""Token buckets: how often a client may ask, each client on its own (an address at
broadcast, a token at ingest), so one that asks too much is refused while others are served."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class TokenBucket:
    """`rate` events a second on average, `burst` at once."""

    __slots__ = ("_at", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at = now

    def take(self, now: float) -> bool:
        """Spends one token if there is one."""
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def wait_s(self, now: float) -> float:
        """How long until `take` can succeed."""
        missing = 1 - min(self.burst, self._tokens + (now - self._at) * self.rate)
        return max(0.0, missing / self.rate)


class RatePerKey(Generic[K]):
    """A token bucket per key, for the `remembered` most recently seen keys (the oldest is
    forgotten first: it starts again with a full bucket)."""

    def __init__(self, rate: float, burst: float, remembered: int) -> None:
        self.rate = rate
        self._burst = burst
        self._remembered = remembered
        self._buckets: OrderedDict[K, TokenBucket] = OrderedDict()

    def take(self, key: K, now: float) -> bool:
        return self._bucket(key, now).take(now)

    def wait_s(self, key: K, now: float) -> float:
        """How long until the key's next `take` can succeed."""
        return self._bucket(key, now).wait_s(now)

    def _bucket(self, key: K, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self._burst, now)
            if len(self._buckets) > self._remembered:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket
