"""Memory and CPU time of a process, from /proc (Linux)."""

from __future__ import annotations

import os
import threading
from types import TracebackType

POLL_SECONDS = 0.02


def status_kib(pid: int, key: str) -> int:
    """A ``VmRSS``/``VmHWM`` value of /proc/PID/status, in KiB (0 if unreadable)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


class RssSampler:
    """Polls the RSS of a process every POLL_SECONDS in a thread, and reads VmHWM after.

    Use as a context manager around the upload; ``before_kib`` and ``peak_kib`` are then set.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before_kib = 0
        self.peak_kib = 0
        self._hwm_reset = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._hwm_reset = reset_peak_rss(self.pid)
        self.before_kib = self.peak_kib = status_kib(self.pid, "VmRSS")
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        if self._hwm_reset:
            self.peak_kib = max(self.peak_kib, status_kib(self.pid, "VmHWM"))

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.peak_kib = max(self.peak_kib, status_kib(self.pid, "VmRSS"))


def load_text() -> str:
    """The 1-minute load average and core count: other work on the machine skews timings."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"

