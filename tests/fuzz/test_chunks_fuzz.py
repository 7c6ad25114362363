"""Random sequences of chunk requests against the live server: offsets right, wrong and
resent, sizes large and tiny, filesizes declared, changed and absurd, foreign filekeys.
Every answer is an API answer (never a 500, never a hang), and the session the server keeps
always holds exactly the bytes it acknowledged: its reported size and SHA-1 match a model
that follows the answers."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests import media_samples as media
from tests.fuzz.budget import live_examples
from tests.support import ApiClient
from wikiupload.wiki import Wiki

# A real PNG (so a session that is completed can pass verification), then random bytes.
IMAGE = media.png("fuzz", 60, 60)
SOURCE = IMAGE + random.Random(7).randbytes(20_000)
REQUEST_TIMEOUT = 30


@dataclass
class Session:
    key: str
    declared: int
    stored: bytearray = field(default_factory=bytearray)


step = st.fixed_dictionaries({
    "target": st.sampled_from(["new", "current", "current", "current", "bogus", "status",
                               "finish"]),
    "offset": st.sampled_from(["right", "right", "right", "resend", "zero", "random"]),
    "random_offset": st.integers(0, 50_000),
    "size": st.one_of(st.integers(0, 3000), st.sampled_from([1024, 2048, 0, 1])),
    "filesize": st.sampled_from(["declared", "declared", "declared", "random", "huge",
                                 "absent", "changed", "image", "image"]),
    "random_filesize": st.integers(0, 50_000),
})


def _post(client: ApiClient, files: dict[str, Any] | None, **params: Any) -> dict[str, Any]:
    params = {"format": "json", **{k: v for k, v in params.items() if v is not None}}
    if files:
        parts: dict[str, Any] = {k: (None, str(v)) for k, v in params.items()}
        parts.update(files)
        response = client.http.post(client.url, files=parts, timeout=REQUEST_TIMEOUT)
    else:
        response = client.http.post(client.url, data=params, timeout=REQUEST_TIMEOUT)
    assert response.status_code == 200, response.text[:500]
    reply: dict[str, Any] = response.json()
    code = reply.get("error", {}).get("code", "")
    assert not code.startswith("internal_api_error"), reply
    return reply


def _stored_facts(client: ApiClient, key: str) -> tuple[int, str] | None:
    reply = client.get(action="query", prop="stashimageinfo", siifilekey=key,
                       siiprop="size|sha1", formatversion="2")
    if "error" in reply:
        return None
    entry = reply["query"]["stashimageinfo"][0]
    return int(entry["size"]), str(entry["sha1"])


class ChunkRun:
    """Sends the steps and keeps the model of the one session being built."""

    def __init__(self, client: ApiClient, name: str) -> None:
        self.client = client
        self.name = name
        self.session: Session | None = None
        self.finished: list[tuple[str, bytes]] = []

    def run(self, spec: dict[str, Any]) -> None:
        if spec["target"] == "status":
            if self.session is not None:
                reply = _post(self.client, None, action="upload", checkstatus="1",
                              filekey=self.session.key, token=self.client.csrf)
                assert reply["upload"]["offset"] == len(self.session.stored), reply
            return
        session = self.session if spec["target"] in ("current", "finish") else None
        stored = len(session.stored) if session else 0
        offset = {"right": stored, "zero": 0, "random": spec["random_offset"],
                  "resend": max(0, stored - spec["size"])}[spec["offset"]]
        declared = session.declared if session else spec["random_filesize"]
        filesize = {"declared": declared, "random": spec["random_filesize"],
                    "huge": 10**15, "absent": None, "changed": declared + 1,
                    "image": len(IMAGE)}[spec["filesize"]]
        size = spec["size"]
        if spec["target"] == "finish" and session is not None:
            offset, filesize, size = stored, declared, declared - stored
        data = SOURCE[offset:offset + size]
        key = {"new": None, "current": session.key if session else None,
               "finish": session.key if session else None,
               "bogus": "1a2b3c4d5e6f.zz9abc.123456.png"}[spec["target"]]
        reply = _post(self.client, {"chunk": (self.name, data, "application/octet-stream")},
                      action="upload", filename=self.name, token=self.client.csrf,
                      stash="1", offset=offset, filesize=filesize, filekey=key,
                      ignorewarnings="1")
        self._follow(reply, session, offset, data, filesize)

    def _follow(self, reply: dict[str, Any], session: Session | None, offset: int,
                data: bytes, filesize: int | None) -> None:
        upload = reply.get("upload")
        if upload is None:
            event(f"error {reply['error']['code']}")
            final = session is not None and filesize == session.declared \
                and offset == len(session.stored) and offset + len(data) == filesize
            if final and reply["error"]["code"] == "stashfailed":
                self.session = None                 # assembly refused it: the session went
            return
        event(f"result {upload['result']}")
        result = upload["result"]
        if session is None and offset == 0 and result in ("Continue", "Success"):
            assert filesize is not None
            session = Session(upload["filekey"], min(filesize, 5 * 1024**3 + 1024**2))
            self.session = session
            stored_before = 0
        else:
            assert session is not None, reply
            stored_before = len(session.stored)
        if offset + len(data) > stored_before:     # an append (not a resent chunk)
            assert offset == stored_before, reply
            session.stored += data
        if result == "Continue":
            assert upload["offset"] == len(session.stored), reply
        else:
            assert result == "Success", reply
            assert len(session.stored) == session.declared
            self.finished.append((upload["filekey"], bytes(session.stored)))
            self.session = None

    def check(self) -> None:
        if self.session is not None:
            facts = _stored_facts(self.client, self.session.key)
            stored = bytes(self.session.stored)
            assert facts == (len(stored), hashlib.sha1(stored).hexdigest())
        for key, data in self.finished:
            assert _stored_facts(self.client, key) == (len(data),
                                                       hashlib.sha1(data).hexdigest())


@settings(max_examples=live_examples(), deadline=None)
@given(steps=st.lists(step, min_size=1, max_size=10), seed=st.integers(0, 10**9))
def test_chunk_sequences_keep_the_session_consistent(
        uploader: ApiClient, wiki: Wiki, steps: list[dict[str, Any]], seed: int) -> None:
    run = ChunkRun(uploader, f"Fuzz {seed}.png")
    for spec in steps:
        run.run(spec)
        run.check()
    assert [p for p in wiki.temp_dir.iterdir() if p.name.startswith("upload-")] == []
