"""Where broadcast renders: worker processes, not threads, so the live fan-out never waits.

fpdf2, openpyxl and segno are pure Python and hold the GIL while they work; in a thread of
the broadcast process a render takes the GIL from the event loop for up to its whole switch
interval, again and again. Measured on the 2-core machine (`bench/media.py`, the loop's
lag while a burst of cards and bulletins renders): a 2 ms timer on the loop fired 75-100 ms
late (p99) with the renders in a thread, 4-25 ms with them in a worker process (the range
is how busy the machine was). A render's input
and output cross the process boundary pickled: the documents are plain JSON values, the
output is bytes, a millisecond or two either way.

Workers are started with `spawn`: a fork of the running server would copy its sockets,
threads and event loop into the child.
"""

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

from services.broadcast.media.fonts import cjk_font

_P = ParamSpec("_P")
_T = TypeVar("_T")


def warm() -> None:
    """Runs first in each worker: the renderers imported and the fonts found before the
    first request waits for them."""
    from services.broadcast.media import bulletin, cards, exports, report  # noqa: F401

    cjk_font(False)
    cjk_font(True)


class RenderProcesses(Executor):
    """A pool of `workers` render processes that replaces itself when a worker dies (the
    kernel's OOM killer, a crash in a C library): the renders then in progress fail, and the
    next one starts a new pool instead of failing for the rest of the process's life."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"a render pool needs at least 1 worker, not {workers}")
        self.workers = workers
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=warm)

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(fn, *args, **kwargs)

    def start(self) -> Future[None]:
        """Starts the workers now (they start on the first render otherwise)."""
        return self.submit(warm)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
