"""Telling the kernel what to do with a file's new bytes: start writing them to disk while
more arrive, or, once they are on disk, let their pages go."""

from __future__ import annotations

import os
from contextlib import suppress

__all__ = ["drop_from_cache", "start_write_back"]


def start_write_back(fd: int, start: int, length: int) -> None:
    """Start the write-back of ``length`` bytes from ``start`` without waiting for it, so
    that a later fsync has only the tail left to wait for.

    On Linux, POSIX_FADV_DONTNEED starts the write-back of dirty pages and drops only pages
    already clean, so what was just written stays cached for whatever reads it next. Only
    advice: a platform without it, or a refusal, changes nothing but the fsync's wait."""
    _dont_need(fd, start, length)


def drop_from_cache(fd: int, start: int, length: int) -> None:
    """Let the kernel drop a range that is on disk (after an fsync) from its page cache.

    For bytes nothing reads again soon: their memory goes back to the kernel at once, to be
    reused for what is written next, instead of the cache growing by the size of every
    large upload (and, on a virtual machine, memory the guest never touched being faulted
    in from the host, page by page, for each new write). The same advice as above, which
    drops the pages that are clean: after an fsync, all of them."""
    _dont_need(fd, start, length)


def _dont_need(fd: int, start: int, length: int) -> None:
    if hasattr(os, "posix_fadvise"):
        with suppress(OSError):
            os.posix_fadvise(fd, start, length, os.POSIX_FADV_DONTNEED)
