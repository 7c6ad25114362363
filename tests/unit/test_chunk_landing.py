"""SessionFile: where a landing chunk writes, and what is left when its request ends."""

from __future__ import annotations

import hashlib
from pathlib import Path

from wikiupload.http.multipart import PartStart
from wikiupload.upload import chunks
from wikiupload.upload.chunk_landing import BUSY, SessionFile


def _session(tmp_path: Path, stored: bytes = b"first") -> Path:
    path = tmp_path / "session"
    path.write_bytes(stored)
    return path


def _landing(path: Path, room: int = 100, digest: object = None) -> SessionFile:
    """A chunk landing at the end of ``path`` (5 bytes: "first")."""
    landing = SessionFile.land(path, 5, room, digest or hashlib.sha1())
    assert landing is not None
    return landing


def test_a_settled_chunk_stays_and_its_hash_covers_it(tmp_path: Path) -> None:
    path = _session(tmp_path)
    landing = _landing(path, digest=hashlib.sha1(b"first"))
    assert landing.write(b"-second")
    assert landing.landed(path, 5, 7)
    assert landing.settle(sync=True).hexdigest() == hashlib.sha1(b"first-second").hexdigest()
    landing.release()
    assert path.read_bytes() == b"first-second"


def test_an_unsettled_chunk_is_cut_off_at_release(tmp_path: Path) -> None:
    path = _session(tmp_path)
    landing = _landing(path)
    landing.write(b"-never kept")
    landing.release()
    assert path.read_bytes() == b"first"


def test_a_chunk_left_to_an_append_is_not_cut_off(tmp_path: Path) -> None:
    path = _session(tmp_path)
    landing = _landing(path)
    landing.write(b"-landed")
    landing.leave_end()
    assert not landing.landed(path, 5, 7)
    with path.open("r+b") as appended:     # what the append from the spool file does
        appended.truncate(5)
        appended.seek(5)
        appended.write(b"-appended")
    landing.release()
    assert path.read_bytes() == b"first-appended"


def test_lands_only_at_the_end_and_never_past_its_room(tmp_path: Path) -> None:
    path = _session(tmp_path)
    assert SessionFile.land(path, 3, 100, hashlib.sha1()) is None      # inside the file
    assert SessionFile.land(path, 9, 100, hashlib.sha1()) is None      # past its end
    assert SessionFile.land(tmp_path / "gone", 0, 100, hashlib.sha1()) is None
    landing = _landing(path, room=4)
    assert landing.write(b"-ok")
    assert not landing.write(b"-too much")
    assert not landing.write(b"!")         # given up for good
    assert not landing.landed(path, 5, 3)
    landing.release()
    assert path.read_bytes() == b"first"


def test_one_request_at_a_time_holds_the_file(tmp_path: Path) -> None:
    path = _session(tmp_path)
    landing = _landing(path)
    assert landing.holds(path)
    assert SessionFile.land(path, 5, 100, hashlib.sha1()) is None
    assert SessionFile.hold(path, wait_seconds=0.05) is BUSY
    landing.release()
    held = SessionFile.hold(path)
    assert isinstance(held, SessionFile)
    assert SessionFile.land(path, 5, 100, hashlib.sha1()) is None
    held.release()
    assert path.read_bytes() == b"first"
    assert SessionFile.hold(tmp_path / "gone") is None


def test_what_landed_reads_as_a_file_of_its_own_and_copies_out(tmp_path: Path) -> None:
    from wikiupload.media.readable import open_readable

    path = _session(tmp_path)
    landing = _landing(path)
    assert landing.write(b"0123456789")
    with open_readable(landing.readable()) as stream:
        assert stream.read() == b"0123456789"
        assert stream.seek(-3, 2) == 7 and stream.read(10) == b"789"
        assert stream.seek(2) == 2 and stream.read(3) == b"234"
    copy = tmp_path / "copy"
    with copy.open("wb") as out:
        landing.copy_to(out.fileno())
    assert copy.read_bytes() == b"0123456789"
    landing.release()


def test_a_chunk_lands_only_for_the_session_that_sent_the_one_before(tmp_path: Path) -> None:
    """Any cookie value may come (not only ASCII): it never matches, and never fails."""
    path = _session(tmp_path)
    chunks.HASHES.put("key.1", (5, hashlib.sha1(b"first")))
    chunks.PLACES.put("key.1", chunks.Place(path, 100, "sender-id"))
    part = PartStart("chunk", "blob", None, ())
    fields = {"filekey": "key.1", "offset": "5"}
    try:
        for others in ((), ("",), ("someone-else",), ("\u00e9t\u00e9", "\udcff")):
            assert chunks.landing_for(part, fields, others) is None
        landing = chunks.landing_for(part, fields, ("\u00e9t\u00e9", "sender-id"))
        assert isinstance(landing, SessionFile)
        landing.release()
    finally:
        chunks.PLACES.pop("key.1")
        chunks.HASHES.pop("key.1")
