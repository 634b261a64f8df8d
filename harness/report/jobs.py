"""The report's heavy stages side by side: a process pool for large results, in-process otherwise.

Both speak `concurrent.futures.Executor.submit`, so the build has one code path. Workers are
started with `spawn`, not `fork`: `harness run` builds the report in a process where an inference
engine (threads, maybe CUDA) has run, which a forked child must not inherit.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any


class InProcess(Executor):
    """Runs each job when it is submitted, in this process."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever asks for the result
            future.set_exception(exc)
        return future


@contextmanager
def no_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: for stages that create millions of objects without reference
    cycles (sample records, freed by reference counting), where the collector's repeated passes over
    them as they pile up cost 15-40% of the stage (measured on the 2M-sample benchmark). Memory use is
    unchanged; the collector is re-enabled on the way out if it was on."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextmanager
def executor(workers: int) -> Iterator[Executor]:
    """A pool of `workers` processes, or this process alone when `workers` <= 1."""
    if workers <= 1:
        yield InProcess()
        return
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        yield pool
