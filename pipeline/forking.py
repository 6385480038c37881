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
               chunksize: int = 16) -> Iterator[Result]:
    """function(item) for every item, in order, in `workers` forked processes (None: one per core), or here
    where forking is not available or not worth it. `function` may be a closure: it is inherited, not pickled;
    what it returns is pickled back."""
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(items) < MIN_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(function, items)
        return
    global _INHERITED
    _INHERITED = (function, items)
    gc.freeze()  # a child's garbage collector would otherwise walk, and so copy, the whole inherited heap
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_call_inherited, range(len(items)), chunksize=chunksize)
    finally:
        gc.unfreeze()
        _INHERITED = None


def _call_inherited(i: int):
    function, items = _INHERITED
    return function(items[i])
