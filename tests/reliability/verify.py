"""After a crash and a restart: settle what was in flight, then compare the server with the
ledger (every acknowledged version present, in order, with its bytes) and count."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.reliability.workload import (
    CHUNK,
    Ledger,
    NameState,
    OpenSession,
    is_clean_error,
    sha1,
)
from tests.support import ApiClient


@dataclass
class Figures:
    """What the crash test did and found, for its report."""

    trials: int = 0
    kills_by_phase: Counter[str] = field(default_factory=Counter)
    leftovers: Counter[str] = field(default_factory=Counter)   # check findings after kills
    repaired: int = 0
    in_flight_committed: int = 0
    in_flight_rolled_back: int = 0
    sessions_resumed: int = 0
    sessions_published: int = 0      # stashed files whose publish committed before the kill
    sessions_failed_cleanly: int = 0
    clean_failures: Counter[str] = field(default_factory=Counter)
    jobs_finished_after_restart: int = 0
    jobs_failed_reported: int = 0
    files_checked: int = 0
    versions_checked: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"trials": self.trials, "kills_by_phase": dict(self.kills_by_phase),
                "check_findings_after_kills": dict(self.leftovers),
                "repaired": self.repaired, "in_flight_committed": self.in_flight_committed,
                "in_flight_rolled_back": self.in_flight_rolled_back,
                "sessions_resumed": self.sessions_resumed,
                "sessions_published_before_the_kill": self.sessions_published,
                "sessions_failed_cleanly": self.sessions_failed_cleanly,
                "session_failure_codes": dict(self.clean_failures),
                "jobs_finished_after_restart": self.jobs_finished_after_restart,
                "jobs_failed_reported": self.jobs_failed_reported,
                "files_checked": self.files_checked, "versions_checked": self.versions_checked,
                "lost_or_corrupt": len(self.failures)}


def poll(api: ApiClient, key: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        reply = api.post(action="upload", checkstatus="1", filekey=key, token=api.csrf)
        if reply.get("upload", {}).get("result") != "Poll" or time.monotonic() > deadline:
            return reply
        time.sleep(0.1)


def settle_jobs(api: ApiClient, ledger: Ledger, figures: Figures) -> None:
    """Let the async publishes that were acknowledged (Poll) finish or report failure."""
    for name, state in ledger.names.items():
        if state.pending_key:
            _settle_job(api, name, state, figures)


def settle_sessions(api: ApiClient, ledger: Ledger, figures: Figures) -> None:
    """Try every open session (after verify_names: a stashed file whose publish was in
    flight and committed is gone from the stash because it is published)."""
    for session in ledger.sessions:
        if session.offset == len(session.data) and sha1(session.data) in (
                ledger.names[session.name].versions):
            figures.sessions_published += 1
        else:
            _settle_session(api, session, figures)
    ledger.sessions.clear()


def _settle_job(api: ApiClient, name: str, state: NameState, figures: Figures) -> None:
    reply = poll(api, state.pending_key)
    result = reply.get("upload", {}).get("result")
    if result == "Success":
        figures.jobs_finished_after_restart += 1
    elif is_clean_error(reply):
        figures.jobs_failed_reported += 1
    else:
        figures.failures.append(f"async publish of {name} ({state.pending_key}): {reply}")
    state.pending_key = ""


def _settle_session(api: ApiClient, session: OpenSession, figures: Figures) -> None:
    """A chunked upload resumes (or a stashed file is still there) with the right content,
    or fails with a proper API error."""
    key, data = session.filekey, session.data
    if session.queued:
        reply = poll(api, key)
        key = reply.get("upload", {}).get("filekey", "")
    elif session.offset < len(data):
        reply = _resume(api, session)
        key = reply.get("upload", {}).get("filekey", "")
    else:
        reply = {}
    if "error" in reply or (session.offset < len(data) and not key):
        _clean_or_failure(reply, session, figures)   # an answer without a key: a failure
        return
    info = api.get(action="query", prop="stashimageinfo", siifilekey=key, siiprop="sha1|size",
                   formatversion="2")
    if "error" in info and session.offset == len(data) and not session.queued:
        figures.failures.append(f"stashed file {key} ({session.name}) lost: {info}")
    elif "error" in info:
        _clean_or_failure(info, session, figures)
    elif info["query"]["stashimageinfo"][0]["sha1"] != sha1(data):
        figures.failures.append(f"stashed {session.name} ({key}) has other content: {info}")
    else:
        figures.sessions_resumed += 1


def _clean_or_failure(reply: dict[str, Any], session: OpenSession, figures: Figures) -> None:
    if is_clean_error(reply):
        figures.sessions_failed_cleanly += 1
        figures.clean_failures[str(reply["error"]["code"])] += 1
    else:
        figures.failures.append(f"session {session.filekey} of {session.name}: {reply}")


def _resume(api: ApiClient, session: OpenSession) -> dict[str, Any]:
    """Ask where the server is, send the rest; the last answer."""
    status = api.post(action="upload", checkstatus="1", filekey=session.filekey,
                      token=api.csrf)
    result = status.get("upload", {}).get("result")
    if result == "Poll":    # the last chunk (async) was queued, its answer lost
        return poll(api, session.filekey)
    if result != "Continue":
        return status       # an error, or assembled already (Success with its filekey)
    offset = int(status["upload"]["offset"])
    key = session.filekey
    reply: dict[str, Any] = status
    while offset < len(session.data):
        piece = session.data[offset:offset + CHUNK]
        reply = api.chunk(session.name, piece, offset, len(session.data), key,
                          ignorewarnings="1")
        upload = reply.get("upload", {})
        if upload.get("result") != "Continue":
            return reply
        key, offset = upload["filekey"], int(upload["offset"])
    return reply


def verify_names(api: ApiClient, ledger: Ledger, figures: Figures) -> None:
    """Each name's history on the server is exactly its acknowledged versions (plus the one
    in flight, if it was committed), and the current bytes have the recorded SHA-1."""
    for name, state in sorted(ledger.names.items()):
        history = _history(api, name)
        _settle_in_flight(state, history, figures)
        shas = [entry["sha1"] for entry in reversed(history)]
        if shas != state.versions:
            figures.failures.append(f"{name}: server history {shas}, acknowledged "
                                    f"{state.versions}")
            state.versions = shas       # go on from what is there
            continue
        figures.versions_checked += len(shas)
        if history:
            _check_bytes(api, name, history[0], figures)


def _settle_in_flight(state: NameState, history: list[dict[str, Any]],
                      figures: Figures) -> None:
    if state.in_flight is None:
        return
    kind, expected = state.in_flight
    if kind == "upload" and history and history[0]["sha1"] == expected and (
            not state.versions or state.versions[-1] != expected):
        state.versions.append(expected)
        figures.in_flight_committed += 1
    elif kind == "delete" and not history and state.versions:
        state.versions = []
        figures.in_flight_committed += 1
    else:
        figures.in_flight_rolled_back += 1
    state.in_flight = None


def _history(api: ApiClient, name: str) -> list[dict[str, Any]]:
    reply = api.get(action="query", prop="imageinfo", titles=f"File:{name}",
                    iiprop="sha1|size|url|timestamp", iilimit="max", formatversion="2")
    page = reply["query"]["pages"][0]
    return list(page.get("imageinfo", [])) if not page.get("missing") else []


def _check_bytes(api: ApiClient, name: str, current: dict[str, Any],
                 figures: Figures) -> None:
    served = api.http.get(current["url"], timeout=30)
    digest = hashlib.sha1(served.content).hexdigest()
    if served.status_code != 200 or digest != current["sha1"]:
        figures.failures.append(f"{name}: served {served.status_code} with SHA-1 {digest}, "
                                f"recorded {current['sha1']}")
    figures.files_checked += 1
