"""The running hash computed in a thread: same digest, same order, bounded backlog."""

from __future__ import annotations

import hashlib
import threading
import time

from wikiupload.http.background_hash import BackgroundHash


class SlowDigest:
    """Records what it was given, slowly, and how far the feeder got meanwhile."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.pieces: list[bytes] = []

    def update(self, data: bytes) -> None:
        self.release.wait(10)
        self.pieces.append(data)

    def hexdigest(self) -> str:
        return hashlib.sha1(b"".join(self.pieces)).hexdigest()


def test_the_digest_is_of_every_piece_in_order() -> None:
    pieces = [bytes([n]) * (1000 + n) for n in range(200)]
    hashing = BackgroundHash(hashlib.sha1())
    for piece in pieces:
        hashing.feed(piece)
    assert hashing.hexdigest() == hashlib.sha1(b"".join(pieces)).hexdigest()


def test_feeding_waits_while_the_thread_is_too_far_behind() -> None:
    release = threading.Event()
    digest = SlowDigest(release)
    hashing = BackgroundHash(digest, max_backlog=10_000)
    fed: list[int] = []

    def feeder() -> None:
        for n in range(10):
            hashing.feed(bytes([n]) * 4_000)
            fed.append(n)

    thread = threading.Thread(target=feeder)
    thread.start()
    time.sleep(0.3)
    assert len(fed) < 10            # held back: at most about max_backlog waits
    release.set()
    thread.join(10)
    assert fed == list(range(10))
    assert hashing.hexdigest() == hashlib.sha1(
        b"".join(bytes([n]) * 4_000 for n in range(10))).hexdigest()


def test_cancel_ends_the_thread_without_hashing_the_rest() -> None:
    release = threading.Event()
    digest = SlowDigest(release)
    hashing = BackgroundHash(digest)
    for n in range(5):
        hashing.feed(bytes([n]) * 100)
    release.set()
    hashing.cancel()
    assert len(digest.pieces) <= 5
    assert not [t for t in threading.enumerate() if t.name == "wikiupload-hash"]


class BrokenDigest:
    def update(self, data: bytes) -> None:
        raise MemoryError("no room to hash")

    def hexdigest(self) -> str:
        return ""


def test_a_failure_in_the_thread_reaches_the_feeder_instead_of_a_hang() -> None:
    import pytest

    hashing = BackgroundHash(BrokenDigest(), max_backlog=1_000)
    with pytest.raises(MemoryError, match="no room"):
        for _ in range(1_000):       # the backlog fills up: feed must not wait for ever
            hashing.feed(b"x" * 600)
        hashing.hexdigest()
    assert not [t for t in threading.enumerate() if t.name == "wikiupload-hash"]
