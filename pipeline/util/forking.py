"""Work spread over forked processes that inherit what they need instead of receiving it.

A batch's per-document steps (judging boilerplate, writing a document's page) need large shared state — the
fitted detectors, the quarter's figures — and return something small. A forked process inherits that state
without a copy, where a pool that pickles its arguments would send it again and again."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MIN_ITEMS = 8  # below this, starting processes costs more than it saves

_INHERITED: tuple[Callable, Sequence] | None = None


def forked_map(function: Callable[[Item], Result], items: Sequence[Item], *, workers: int | None = None,
               chunksize: int = 16, isolate: Callable[[], None] | None = None) -> Iterator[Result]:
    """function(item) for every item, in order, in `workers` forked processes (None: one per core), or here
    where forking is not available or not worth it. `function` may be a closure: it is inherited, not pickled;
    what it returns is pickled back. With `isolate`, the items always go to worker processes (where the platform
    can fork), each of which calls isolate() first: work that must not endanger this process (reading files
    under a memory limit)."""
    workers = workers or os.cpu_count() or 1
    forks = "fork" in multiprocessing.get_all_start_methods()
    if not forks or (isolate is None and (workers < 2 or len(items) < MIN_ITEMS)) or not items:
        yield from map(function, items)
        return
    global _INHERITED
    _INHERITED = (function, items)
    gc.freeze()  # a child's garbage collector would otherwise walk, and so copy, the whole inherited heap
    try:
        with ProcessPoolExecutor(min(workers, len(items)), mp_context=multiprocessing.get_context("fork"),
                                 initializer=isolate) as pool:
            yield from pool.map(_call_inherited, range(len(items)), chunksize=chunksize)
    finally:
        gc.unfreeze()
        _INHERITED = None


def _call_inherited(i: int):
    function, items = _INHERITED
    return function(items[i])
