"""Clients that keep a server busy with every kind of write, and the ledger of what the
server acknowledged (what must survive a crash) and what was in flight (may or may not).

Each client owns a few file names, so at most one operation per name is in flight and the
ledger can tell, after a crash, which outcomes are allowed.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.clients.media import make_png
from tests.conftest import ADMIN_BOT_PASSWORD
from tests.support import ApiClient

CHUNK = 16 * 1024
CONNECTION_ERRORS = (requests.ConnectionError, requests.Timeout,
                     requests.exceptions.ChunkedEncodingError)


class Interrupted(Exception):
    """The server went away in the middle of an operation."""


class Rejected(Exception):
    """The server refused the content (random bytes can look like a banned type)."""


# Verdicts on content: legitimate refusals of a random file, nothing was stored.
CONTENT_REFUSALS = frozenset({"filetype-bad-ie-mime", "verification-error", "uploadscripted",
                              "filetype-mime-mismatch", "filetype-banned"})


class UnexpectedReply(AssertionError):
    """The server answered something a healthy server never answers to this workload."""


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@dataclass
class NameState:
    """One file name: acknowledged versions (oldest first, since its last deletion)."""

    versions: list[str] = field(default_factory=list)
    in_flight: tuple[str, str] | None = None     # ("upload", sha1) or ("delete", "")
    pending_key: str = ""                        # async publish acknowledged with Poll

    @property
    def exists(self) -> bool:
        return bool(self.versions)


@dataclass
class OpenSession:
    """A chunked upload or a stashed file the server acknowledged, not yet published."""

    name: str
    data: bytes
    filekey: str
    offset: int              # bytes acknowledged (== len(data) for a stashed file)
    queued: bool = False     # async assembly acknowledged with Poll


@dataclass
class Ledger:
    names: dict[str, NameState] = field(default_factory=dict)
    sessions: list[OpenSession] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def is_clean_error(reply: dict[str, Any]) -> bool:
    """An API error with a real code (not an internal exception)."""
    code = str(reply.get("error", {}).get("code", ""))
    return bool(code) and not code.startswith("internal_api_error")


class Client:
    """One logged-in client working on its own names until told to stop."""

    def __init__(self, api_url: str, index: int, ledger: Ledger, rng: random.Random,
                 names: int = 3) -> None:
        self.api = ApiClient(api_url)
        self.api.http.headers["Connection"] = "close"
        self.index = index
        self.ledger = ledger
        self.rng = rng
        self.names = [f"Crash-{index}-{n}.png" for n in range(names)]
        for name in self.names:
            ledger.names.setdefault(name, NameState())
        self.phase = "idle"
        self.counter = 0

    def login(self) -> None:
        self.api.login("Admin@bot", ADMIN_BOT_PASSWORD)

    def close(self) -> None:
        self.api.close()

    # -- calls -------------------------------------------------------------------------------

    def call(self, method: Callable[..., dict[str, Any]], *args: Any,
             **params: Any) -> dict[str, Any]:
        try:
            reply = method(*args, **params)
        except CONNECTION_ERRORS as exc:
            raise Interrupted(str(exc)) from exc
        except requests.exceptions.JSONDecodeError as exc:
            raise Interrupted(f"truncated answer: {exc}") from exc
        if "error" in reply and not is_clean_error(reply):
            raise UnexpectedReply(f"{self.phase}: {reply}")
        if reply.get("error", {}).get("code") in CONTENT_REFUSALS:
            raise Rejected(reply["error"]["code"])
        return reply

    def expect(self, reply: dict[str, Any], result: str) -> dict[str, Any]:
        upload = reply.get("upload", {})
        if upload.get("result") != result:
            raise UnexpectedReply(f"{self.phase}: expected {result}, got {reply}")
        return dict(upload)

    # -- the workload ------------------------------------------------------------------------

    def run(self, stop: threading.Event, failures: list[str]) -> None:
        try:
            while not stop.is_set():
                self.step()
        except Interrupted:
            pass
        except Exception as exc:        # reported by the test, not lost in a thread
            if not stop.is_set():
                failures.append(f"client {self.index}: {exc!r}")
        finally:
            self.phase = "gone"

    def step(self) -> None:
        name = self.rng.choice(self.names)
        state = self.ledger.names[name]
        self.counter += 1
        seed = f"{self.index}-{self.counter}-{self.rng.random()}"
        data = make_png(seed, size=(self.rng.randint(40, 110), 60), noise=True)
        kinds = ["upload", "chunked", "async", "stash", "delete"]
        kind = self.rng.choices(kinds, weights=[4, 3, 2, 2, 1 if state.exists else 0])[0]
        try:
            getattr(self, f"do_{kind}")(name, state, data)
        except Rejected:
            state.in_flight = None      # refused before anything was stored
        self.phase = "idle"

    def do_upload(self, name: str, state: NameState, data: bytes) -> None:
        self.phase = "re-upload" if state.exists else "direct upload"
        state.in_flight = ("upload", sha1(data))
        reply = self.call(self.api.upload, name, data, "image/png", ignorewarnings="1",
                          comment=f"upload {sha1(data)[:8]}")
        self.expect(reply, "Success")
        self._published(state, data)

    def do_delete(self, name: str, state: NameState, data: bytes) -> None:
        self.phase = "deletion"
        state.in_flight = ("delete", "")
        reply = self.call(self.api.post, action="delete", title=f"File:{name}",
                          reason="crash test", token=self.api.csrf)
        if "delete" not in reply:
            raise UnexpectedReply(f"deletion: {reply}")
        state.versions, state.in_flight = [], None

    def do_stash(self, name: str, state: NameState, data: bytes) -> None:
        self.phase = "stash"
        reply = self.call(self.api.upload, name, data, "image/png", stash="1",
                          ignorewarnings="1")
        key = self.expect(reply, "Success")["filekey"]
        self._remember(OpenSession(name, data, key, len(data)))
        self._publish_stashed(name, state, data, key, run_async=False)

    def do_chunked(self, name: str, state: NameState, data: bytes) -> None:
        key = self._send_chunks(name, data, run_async=False)
        self._publish_stashed(name, state, data, key, run_async=False)

    def do_async(self, name: str, state: NameState, data: bytes) -> None:
        session = self._send_chunks(name, data, run_async=True)
        self.phase = "async job"
        done = self.expect(self.poll(session), "Success")
        key = done["filekey"]
        self._forget_key(session)
        self._remember(OpenSession(name, data, key, len(data)))
        self._publish_stashed(name, state, data, key, run_async=True)

    # -- pieces ------------------------------------------------------------------------------

    def _send_chunks(self, name: str, data: bytes, *, run_async: bool) -> str:
        """Chunks up to the stashed file (sync) or the queued assembly (async): its key."""
        extra = {"async": "1"} if run_async else {}
        key, offset = None, 0
        session: OpenSession | None = None
        while True:
            piece = data[offset:offset + CHUNK]
            last = offset + len(piece) == len(data)
            self.phase = ("async job" if run_async else "assembly") if last else "chunk append"
            reply = self.call(self.api.chunk, name, piece, offset, len(data), key,
                              ignorewarnings="1", **extra)
            if not last:
                answer = self.expect(reply, "Continue")
                key, offset = answer["filekey"], answer["offset"]
                if session is None:
                    session = OpenSession(name, data, key, offset)
                    self._remember(session)
                session.offset = offset
                continue
            answer = self.expect(reply, "Poll" if run_async else "Success")
            if session is not None:
                if run_async:
                    session.queued = True
                    return str(answer["filekey"])
                self._forget_key(session.filekey)
            if not run_async:
                self._remember(OpenSession(name, data, answer["filekey"], len(data)))
            return str(answer["filekey"])

    def _publish_stashed(self, name: str, state: NameState, data: bytes, key: str, *,
                         run_async: bool) -> None:
        self.phase = "async job" if run_async else "publish"
        state.in_flight = ("upload", sha1(data))
        extra = {"async": "1"} if run_async else {}
        reply = self.call(self.api.post, action="upload", filename=name, filekey=key,
                          ignorewarnings="1", comment="from the stash", token=self.api.csrf,
                          **extra)
        if run_async:
            self.expect(reply, "Poll")
            state.pending_key = key
            self.expect(self.poll(key), "Success")
            state.pending_key = ""
        else:
            self.expect(reply, "Success")
        self._forget_key(key)
        self._published(state, data)

    def poll(self, key: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            reply = self.call(self.api.post, action="upload", checkstatus="1", filekey=key,
                              token=self.api.csrf)
            if reply.get("upload", {}).get("result") != "Poll":
                return reply
            if time.monotonic() > deadline:
                raise UnexpectedReply(f"job for {key} still Poll after {timeout} s")
            time.sleep(0.05)

    def _published(self, state: NameState, data: bytes) -> None:
        state.versions.append(sha1(data))
        state.in_flight = None

    def _remember(self, session: OpenSession) -> None:
        with self.ledger.lock:
            self.ledger.sessions.append(session)

    def _forget_key(self, key: str) -> None:
        with self.ledger.lock:
            self.ledger.sessions = [s for s in self.ledger.sessions if s.filekey != key]
