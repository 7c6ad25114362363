"""Jobs run at once, one thread each: how the bench's clients upload concurrently."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from bench.units import BenchError


def run_together(jobs: Sequence[Callable[[], None]], what: str) -> float:
    """Start every job in a thread of its own and wait for all; the seconds from the first
    start to the last end. BenchError (``what`` failed: the first error) if any failed."""
    errors: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:  # reported below, in the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise BenchError(f"{what} failed: {errors[0]}")
    return seconds
