"""MemoryBackend specifics; the shared behaviour is in test_backend_contract.py."""

from __future__ import annotations

import threading
from pathlib import Path

from wikiupload.filerepo.backends import MemoryBackend


def test_instances_are_independent() -> None:
    first, second = MemoryBackend(), MemoryBackend()
    first.put_bytes("a/b", b"x")
    assert not second.exists("a/b")


def test_stored_bytes_are_a_snapshot(tmp_path: Path) -> None:
    backend = MemoryBackend()
    data = bytearray(b"mutable")
    backend.put_bytes("a", bytes(data))
    data[:] = b"changed"
    source = tmp_path / "src"
    source.write_bytes(b"file")
    backend.put_file("b", source)
    source.write_bytes(b"rewritten")
    with backend.open("a") as a, backend.open("b") as b:
        assert (a.read(), b.read()) == (b"mutable", b"file")


def test_concurrent_writers_leave_one_complete_value() -> None:
    backend = MemoryBackend()
    values = [bytes([n]) * 50_000 for n in range(16)]

    def write(value: bytes) -> None:
        for _ in range(20):
            backend.put_bytes("shared/object", value)

    threads = [threading.Thread(target=write, args=(v,)) for v in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with backend.open("shared/object") as fh:
        assert fh.read() in values


def test_repr_counts_objects() -> None:
    backend = MemoryBackend()
    backend.put_bytes("x", b"")
    assert repr(backend) == "MemoryBackend(1 objects)"
