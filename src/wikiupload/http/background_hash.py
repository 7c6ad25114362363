"""A running hash fed from the event loop and computed in a thread.

hashlib releases the GIL while it hashes a large buffer, so a thread of its own lets a large
upload be hashed on another core while the event loop goes on receiving and writing it,
instead of the loop doing both in turn. What waits to be hashed is bounded: when the thread
falls behind by more than ``max_backlog`` bytes, ``feed`` waits for it.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

__all__ = ["BackgroundHash"]

MAX_BACKLOG = 2 * 1024 * 1024     # what it may hold: bytes the server's memory carries


class BackgroundHash:
    """Feeds ``digest`` (a hashlib object, no longer to be touched by the caller) in a
    thread, in the order the pieces were given."""

    def __init__(self, digest: Any, max_backlog: int = MAX_BACKLOG) -> None:
        self._digest = digest
        self._max_backlog = max_backlog
        self._pending: deque[bytes] = deque()
        self._backlog = 0
        self._closed = False
        self._failed: BaseException | None = None   # the thread's error, raised to the feeder
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="wikiupload-hash", daemon=True)
        self._thread.start()

    def feed(self, data: bytes) -> None:
        with self._changed:
            while self._backlog > self._max_backlog and self._failed is None:
                self._changed.wait()
            if self._failed is not None:
                raise self._failed
            self._pending.append(data)
            self._backlog += len(data)
            self._changed.notify_all()

    def hexdigest(self) -> str:
        """The digest of everything fed (waits for the thread to finish it)."""
        return str(self.finished().hexdigest())

    def finished(self) -> Any:
        """The hashlib object, once it has been fed everything (waits for the thread)."""
        self._stop()
        if self._failed is not None:
            raise self._failed
        return self._digest

    def cancel(self) -> None:
        """Drop what is still waiting and end the thread."""
        with self._changed:
            self._pending.clear()
        self._stop()

    def _stop(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending and not self._closed:
                    self._changed.wait()
                if not self._pending:
                    return
                data = self._pending.popleft()
            try:
                self._digest.update(data)
            except BaseException as error:  # noqa: BLE001 - handed to the feeder
                with self._changed:
                    self._failed = error
                    self._pending.clear()
                    self._changed.notify_all()
                return
            with self._changed:
                self._backlog -= len(data)
                self._changed.notify_all()
