"""Work spread over forked processes that inherit what they need instead of receiving it.

A batch's per-document steps (judging boilerplate, writing a document's page) need large shared state — the
fitted detectors, the quarter's figures — and return something small. A forked process inherits that state
without a copy, where a pool that pickles its arguments would send it again and again."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MIN_ITEMS = 8  # below this, starting processes costs more than it saves

_INHERITED: tuple[Callable, Sequence] | None = None


def forked_map(function: Callable[[Item], Result], items: Sequence[Item], *, workers: int | None = None,
               chunksize: int = 16, isolate: Callable[[], None] | None = None,
               background: bool = False) -> Generator[Result, None, None]:
    """function(item) for every item, in order, in `workers` forked processes (None: one per core), or here
    where forking is not available or not worth it. `function` may be a closure: it is inherited, not pickled;
    what it returns is pickled back. With `isolate`, the items always go to worker processes (where the platform
    can fork), each of which calls isolate() first: work that must not endanger this process (reading files
    under a memory limit). With `background`, the caller has work of its own meanwhile, so that even one worker
    is forked (where the platform can fork and the items are enough to be worth it).

    The workers are forked, and set to work, before this returns: they inherit this process as it is now, and
    work while the caller does something else; the results wait for the caller in order, and the workers leave
    as soon as the last is made. Closing the generator before the end drops the work not yet started."""
    workers = workers or os.cpu_count() or 1
    forks = "fork" in multiprocessing.get_all_start_methods()
    if not forks or (isolate is None and ((workers < 2 and not background) or len(items) < MIN_ITEMS)) or not items:
        return (function(item) for item in items)
    results = _forked(function, items, min(workers, len(items)), chunksize, isolate)
    next(results)  # forks the workers and hands them every item
    return results


def _forked(function: Callable[[Item], Result], items: Sequence[Item], workers: int, chunksize: int,
            isolate: Callable[[], None] | None) -> Generator[Result | None, None, None]:
    """Yields None once the workers are forked and have every item, then the results in order."""
    global _INHERITED
    _INHERITED = (function, items)
    give_back_free_memory()
    gc.freeze()  # a child's garbage collector would otherwise walk, and so copy, the whole inherited heap
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=isolate)
        # a fork pool forks every worker at the first submit
        chunks = deque(pool.submit(_call_inherited, range(start, min(start + chunksize, len(items))))
                       for start in range(0, len(items), chunksize))
    finally:
        gc.unfreeze()  # the children have their own copy of the frozen state, and of _INHERITED
        _INHERITED = None
    workers_in_hand = _Workers(pool, len(chunks))
    for chunk in chunks:
        chunk.add_done_callback(workers_in_hand.chunk_done)
    try:
        yield None
        while chunks:
            yield from chunks.popleft().result()  # a result read is no longer held here
    finally:
        workers_in_hand.close()


class _Workers:
    """A pool's worker processes, let go as soon as the last result is in. The results wait for the caller, who
    may read them far more slowly than they were made (the topic stage reads the boilerplate judgements one
    document at a time, for most of a run), and an idle worker would count all the memory it inherited the
    while: measured, some 1 GB of a 5,000-document run's process tree."""

    def __init__(self, pool: ProcessPoolExecutor, chunks: int):
        self.pool, self.pending, self.closed = pool, chunks, False
        self.lock = threading.Lock()

    def chunk_done(self, _chunk) -> None:
        """Called by the pool's own thread as each chunk's result (or its cancellation) comes in."""
        with self.lock:
            self.pending -= 1
            if self.pending == 0 and not self.closed:
                self.closed = True
                self.pool.shutdown(wait=False)  # the pool's thread ends the workers once it has passed this result

    def close(self) -> None:
        """Wait for the chunks in hand and drop those not started, unless the workers were let go already."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
        self.pool.shutdown(cancel_futures=True)


def give_back_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim; elsewhere nothing). A forked worker
    counts every page resident in this process as its own, free ones included; after copy detection's arrays and
    the records' transients, a quarter's scoring process holds a fifth of its memory free (measured: 591 -> 485 MB
    at 2,000 documents)."""
    trim = getattr(_C_LIBRARY, "malloc_trim", None)
    if trim is not None:
        trim(0)


_C_LIBRARY = ctypes.CDLL(None) if os.name == "posix" else None  # this process's own C library


def _call_inherited(chunk: range) -> list:
    function, items = _INHERITED
    return [function(items[i]) for i in chunk]
