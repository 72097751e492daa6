"""Rendered outputs kept by (kind, key, version), so a burst of requests renders once.

A medal table changing sends every outlet to its share card within seconds; rendering a
card takes a few hundred milliseconds of CPU. The first request for a version starts the
render in the executor (broadcast's: `processes.RenderProcesses`) and the others await the
same future, so each version of each output is rendered once however many ask at the same
moment. A newer version of an output replaces the older one; a failed render is forgotten,
so the next request tries again.

The cache belongs to one event loop (the broadcast process's) and is used from it only;
only the render itself, and the digest its ETag is made of, run in the executor.
"""

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial


@dataclass(frozen=True)
class Output:
    body: bytes
    etag: str  # a strong HTTP validator, quoted: a digest of the body


def rendered(render: Callable[[], bytes]) -> Output:
    """`render`'s body with its ETag; runs in the executor (a module-level function, so a
    process pool can pickle it)."""
    body = render()
    return Output(body, f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"')


class RenderCache:
    def __init__(self, capacity: int = 256, executor: Executor | None = None,
                 on_render: Callable[[str], None] = lambda kind: None) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self.executor = executor
        self.on_render = on_render  # told the kind of each render started (for metrics)
        self.renders = 0  # renders started: what the cache saved is requests - renders
        self._entries: OrderedDict[tuple[str, str], tuple[Hashable, asyncio.Future[Output]]] = (
            OrderedDict()
        )

    def __len__(self) -> int:
        return len(self._entries)

    async def get(
        self, kind: str, key: str, version: Hashable, render: Callable[[], bytes]
    ) -> Output:
        """The output `render` makes for (kind, key) at `version`, rendered at most once
        while it is cached. `render` must pickle when the executor is a process pool (a
        `functools.partial` of a renderer over plain documents does). A request cancelled
        while it waits does not cancel the render others wait for."""
        slot = (kind, key)
        entry = self._entries.get(slot)
        if entry is not None and entry[0] == version:
            self._entries.move_to_end(slot)
            return await asyncio.shield(entry[1])
        future = asyncio.get_running_loop().run_in_executor(
            self.executor, partial(rendered, render))
        self.renders += 1
        self.on_render(kind)
        self._entries[slot] = (version, future)
        self._entries.move_to_end(slot)
        future.add_done_callback(lambda done: self._forget_failure(slot, done))
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return await asyncio.shield(future)

    def _forget_failure(self, slot: tuple[str, str], future: asyncio.Future[Output]) -> None:
        if future.cancelled() or future.exception() is not None:
            entry = self._entries.get(slot)
            if entry is not None and entry[1] is future:
                del self._entries[slot]
