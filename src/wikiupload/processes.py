"""Which server process holds something, and whether that process has gone.

A process is named ``host:pid:start`` (``start``: when the process began, in clock ticks since
boot, from ``/proc``), so a pid the system has given to a new process does not pass for the
old one; holders may add ``:more`` (a job worker adds its thread). Only processes on this host
can be found gone; elsewhere the holder's expiry counts.
"""

from __future__ import annotations

import os
import socket
from functools import cache

__all__ = ["is_gone", "this_process"]


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot ('' where /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
    except OSError:
        return ""
    return fields[19].decode() if len(fields) > 19 else ""


@cache
def _name(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def this_process() -> str:
    """This process's name (worked out again after a fork)."""
    return _name(os.getpid())


def is_gone(owner: str) -> bool:
    """Whether ``owner`` (a name from this_process, perhaps with more after it) is a process
    of this host that ended."""
    host, pid_text, start = (owner.split(":") + ["", ""])[:3]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass            # alive, under another user
    return bool(start) and _start_ticks(pid) not in ("", start)
