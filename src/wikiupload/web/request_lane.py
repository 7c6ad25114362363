"""One thread for the API requests that hold SQLite's write lock from start to end.

On SQLite every API request runs in a transaction that takes the database's write lock at
its first statement (``db.engine``), so it waits for the request before it. Run in the
shared thread pool, each waiting request holds a thread that is woken when the lock comes
free, only to contend with the request before it, still writing its answer, for the
interpreter lock. Requests that keep their transaction from start to end take turns on one
thread instead, the lane: four clients sending small uploads at once get 5-6% more of
them done per second (docs/performance.md).

Uploads that do long work outside a transaction stay in the shared pool, so that they never
hold up the lane: chunks, URL fetches and files of at least ``upload_slot_min_size`` (they
take a concurrent-upload slot, committed before the work), and publishes of stashed files
(whose size only the database knows). On PostgreSQL, where transactions run side by side,
there is no lane.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from anyio import CapacityLimiter

from wikiupload.http.form import UploadedFile

__all__ = ["RequestLane"]

# Upload parameters that mean work outside a transaction (a file part is judged by size).
_LONG_UPLOAD_PARAMS = ("url", "filekey", "sessionkey", "chunk")


class RequestLane:
    """Which API requests run in the lane (``serial``: the database takes one writer at a
    time), and the lane's limiter of the running event loop."""

    def __init__(self, serial: bool, long_file_size: int) -> None:
        self.serial = serial
        self.long_file_size = long_file_size
        self._limiter: tuple[asyncio.AbstractEventLoop, CapacityLimiter] | None = None

    def limiter_for(self, params: Mapping[str, str],
                    files: Mapping[str, UploadedFile]) -> CapacityLimiter | None:
        """The lane's limiter for a request in it; None for the shared pool."""
        if not self.serial or not self._in_lane(params, files):
            return None
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._limiter[0] is not loop:
            self._limiter = (loop, CapacityLimiter(1))
        return self._limiter[1]

    def _in_lane(self, params: Mapping[str, str], files: Mapping[str, UploadedFile]) -> bool:
        if any(uploaded.size >= self.long_file_size for uploaded in files.values()):
            return False
        if params.get("action") != "upload":
            return True
        return not any(params.get(name) or name in files for name in _LONG_UPLOAD_PARAMS)
