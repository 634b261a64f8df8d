"""A per-item time budget for grading, enforced by a SIGALRM timer.

The budget counts the CPU time of the grading thread, not the wall clock: on a loaded machine
(other jobs, a nice'd import, two test workers) a trivial item can wait seconds for a core, and a
wall-clock budget then made the same response gradable on one machine and ungradable on another.
The timer still fires on the wall clock (first at the budget, then every 0.25 s) and stops the
work once the thread has used the budget in CPU time, or after ``WALL_FACTOR`` times the budget
in wall time whatever the CPU (a thread blocked, not computing).

Timers work only in a process's main thread. There ``time_budget`` arms one for the whole
grading of an item (extraction and, for math, the symbolic comparison); code that finds a budget
already running (``in_budget``) relies on it instead of arming its own. Off the main thread, the
caller sends the work to the helper process (``harness.grading._worker``), which applies the
same budget in its own main thread and is killed if it does not answer.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: CPU seconds one item may take to grade, everything included. Past it the item is ungradable.
GRADE_TIMEOUT_S = 3.0
#: Wall-clock limit, as a multiple of the budget, for work that does not use the CPU.
WALL_FACTOR = 5.0


class GradingTimeout(Exception):
    """Grading one item ran past its time budget; the item is ungradable."""


class _Alarm(BaseException):
    """Raised by the timer. Not an Exception, so a library's ``except Exception`` cannot eat it."""


_state = {"depth": 0}


def signals_usable() -> bool:
    """Whether a SIGALRM budget can be armed here: main thread, and no timer of the caller's running."""
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and (_state["depth"] > 0 or signal.getitimer(signal.ITIMER_REAL)[0] == 0.0)
    )


def in_budget() -> bool:
    """Whether the current (main-thread) code runs under a ``time_budget``."""
    return _state["depth"] > 0 and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise GradingTimeout if the body runs longer than ``seconds``. Main thread only.

    Nested budgets do not re-arm the timer: the outermost one bounds everything.
    """
    if in_budget():
        yield
        return
    fired = False
    armed = True
    cpu_start, wall_start = time.thread_time(), time.monotonic()

    def on_alarm(signum: int, frame: Any) -> None:
        nonlocal fired
        spent = time.thread_time() - cpu_start >= seconds or time.monotonic() - wall_start >= seconds * WALL_FACTOR
        if armed and spent:
            fired = True
            raise _Alarm

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # Re-arm every 0.25 s: if some library swallows one alarm, the next one still stops it.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    _state["depth"] += 1
    try:
        try:
            yield
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        fired = True
    finally:
        _state["depth"] -= 1
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:
        raise GradingTimeout(f"grading took longer than {seconds:g}s")
