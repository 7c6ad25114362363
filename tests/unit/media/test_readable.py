"""What the content checks read: files, byte ranges of files, small files read once."""

from __future__ import annotations

from pathlib import Path

from tests.unit.media import samples

from wikiupload.media.images import describe, ensure_decodable
from wikiupload.media.polyglot import hidden_payload
from wikiupload.media.readable import (
    SMALL_FILE_BYTES,
    FileRange,
    InMemory,
    open_readable,
    read_if_small,
    readable_size,
)
from wikiupload.media.sniff import detect_file_type


def test_a_small_file_is_read_into_memory_and_a_large_one_stays_a_path(
        tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.write_bytes(b"x" * SMALL_FILE_BYTES)
    assert read_if_small(small, SMALL_FILE_BYTES) == InMemory(b"x" * SMALL_FILE_BYTES)
    large = tmp_path / "large"
    large.write_bytes(b"x" * (SMALL_FILE_BYTES + 1))
    assert read_if_small(large, SMALL_FILE_BYTES + 1) == large
    # A file that grew past what it should hold is left on disk too.
    assert read_if_small(large, 10) == large
    assert repr(InMemory(b"x" * 5000)) == "InMemory(5000 bytes)"


def test_every_kind_reads_the_same_content(tmp_path: Path) -> None:
    data = b"0123456789"
    whole = tmp_path / "whole"
    whole.write_bytes(b"--" + data + b"--")
    for source in (InMemory(data), FileRange(whole, 2, len(data))):
        assert readable_size(source) == len(data)
        with open_readable(source) as handle:
            assert handle.read() == data
            handle.seek(4)
            assert handle.read(3) == b"456"
    assert readable_size(whole) == len(data) + 4


def test_the_checks_read_a_file_in_memory_as_on_disk(tmp_path: Path) -> None:
    for data, mime in ((samples.png(), "image/png"), (samples.jpeg(), "image/jpeg"),
                       (samples.gif(), "image/gif"), (samples.svg(), "image/svg+xml")):
        path = samples.write(tmp_path, "f", data)
        held = InMemory(data)
        assert detect_file_type(held, "") == detect_file_type(path, "")
        assert describe(held) == describe(path)
        assert describe(held).mime == mime
        assert hidden_payload(held, mime) == hidden_payload(path, mime) is False
        if mime != "image/svg+xml":
            ensure_decodable(held)
    polyglot = samples.png() + samples.zip_bytes(["A.class"])
    assert hidden_payload(InMemory(polyglot), "image/png") is True
