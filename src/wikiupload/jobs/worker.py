"""Workers: take jobs from the queue and run their handlers; embedded in ``serve`` or run
on their own with ``wikiupload jobs run``."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from wikiupload.errors import ApiError
from wikiupload.jobs import queue
from wikiupload.processes import this_process
from wikiupload.wiki import Wiki

log = logging.getLogger(__name__)
Handler = Callable[[Wiki, dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function
    return register


class Worker:
    def __init__(self, wiki: Wiki, name: str | None = None, poll_interval: float = 1.0) -> None:
        self.wiki = wiki
        self.name = name or f"{this_process()}:{threading.get_ident()}"
        self.poll_interval = poll_interval
        self.stopping = threading.Event()

    def run_once(self) -> bool:
        """Run one job if there is one; True if a job ran."""
        from wikiupload.jobs import handlers  # noqa: F401  (registers the handlers)

        with self.wiki.db() as db:
            job = queue.claim(db, self.name)
        if job is None:
            return False
        function = HANDLERS.get(job.type)
        try:
            if function is None:
                raise LookupError(f"no handler for job type {job.type!r}")
            function(self.wiki, job.params)
        except ApiError as exc:     # a verdict, not a crash: the handler recorded it
            with self.wiki.db() as db:
                queue.fail(db, job, exc.code, retry=False)
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.type)
            with self.wiki.db() as db:
                again = queue.fail(db, job, repr(exc), retry=True)
            if not again:
                _report_crash(self.wiki, job.type, job.params)
        else:
            with self.wiki.db() as db:
                queue.finish(db, job.id)
        return True

    def run_forever(self) -> None:
        try:
            with self.wiki.db() as db:
                released = queue.release_abandoned(db, socket.gethostname())
            if released:
                log.warning("%d job(s) of killed workers queued again", released)
        except Exception:
            log.exception("could not release the jobs of killed workers")
        while not self.stopping.is_set():
            seen = queue.wakings()
            try:
                ran = self.run_once()
            except Exception:
                log.exception("job worker error")
                ran = False
            if not ran and not self.stopping.is_set():
                queue.wait_for_jobs(self.poll_interval, seen)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="wikiupload-jobs", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopping.set()
        queue.wake_workers()


def _report_crash(wiki: Wiki, kind: str, params: dict[str, Any]) -> None:
    """A job that will not be retried leaves a Failure status for checkstatus."""
    from wikiupload.jobs.handlers import record_crash

    record_crash(wiki, kind, params)
