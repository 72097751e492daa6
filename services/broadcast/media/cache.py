"""Rendered outputs kept by (kind, key, version), so a burst of requests renders once.

A medal table changing sends every outlet to its share card within seconds; rendering a
card takes a few hundred milliseconds of CPU. The first request for a version starts the
render in a worker thread and the others await the same future, so each version of each
output is rendered once however many ask at the same moment. A newer version of an output
replaces the older one; a failed render is forgotten, so the next request tries again.

The cache belongs to one event loop (the broadcast process's) and is used from it only;
only the render itself runs in the thread pool.
"""

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Executor


class RenderCache:
    def __init__(self, capacity: int = 256, executor: Executor | None = None) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self.executor = executor
        self.renders = 0  # renders started: what the cache saved is requests - renders
        self._entries: OrderedDict[tuple[str, str], tuple[Hashable, asyncio.Future[bytes]]] = (
            OrderedDict()
        )

    def __len__(self) -> int:
        return len(self._entries)

    async def get(
        self, kind: str, key: str, version: Hashable, render: Callable[[], bytes]
    ) -> bytes:
        """The output `render` makes for (kind, key) at `version`, rendered at most once
        while it is cached. A request cancelled while it waits does not cancel the render
        others wait for."""
        slot = (kind, key)
        entry = self._entries.get(slot)
        if entry is not None and entry[0] == version:
            self._entries.move_to_end(slot)
            return await asyncio.shield(entry[1])
        future = asyncio.get_running_loop().run_in_executor(self.executor, render)
        self.renders += 1
        self._entries[slot] = (version, future)
        self._entries.move_to_end(slot)
        future.add_done_callback(lambda done: self._forget_failure(slot, done))
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return await asyncio.shield(future)

    def _forget_failure(self, slot: tuple[str, str], future: asyncio.Future[bytes]) -> None:
        if future.cancelled() or future.exception() is not None:
            entry = self._entries.get(slot)
            if entry is not None and entry[1] is future:
                del self._entries[slot]
