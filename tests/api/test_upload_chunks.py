"""Chunked uploads into the stash, then publishing (the reference transcripts' scenarios)."""

from __future__ import annotations

import hashlib
import os

import pytest

from tests import media_samples as media
from tests.api.test_upload_file import FILEKEY
from tests.support import ApiClient, error_of
from wikiupload.wiki import Wiki


def _big_png(seed: str) -> bytes:
    return media.png(seed, 64, 40)


def test_three_chunks_then_publish(uploader: ApiClient, api_url: str) -> None:
    data = _big_png("chunk3")
    third = len(data) // 3 + 1
    replies = uploader.chunked("Chunk3.png", data, third)
    first, second, last = (r["upload"] for r in replies)
    assert first == {"result": "Continue", "offset": third, "filekey": first["filekey"]}
    assert second == {"result": "Continue", "offset": 2 * third, "filekey": first["filekey"]}
    assert list(last) == ["result", "filekey", "imageinfo"]
    assert last["filekey"] != first["filekey"] and FILEKEY.match(last["filekey"])
    assert last["imageinfo"]["size"] == len(data)
    assert last["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    assert uploader.post(action="upload", checkstatus="1", filekey=last["filekey"],
                         token=uploader.csrf) == error_of(api_url, "missingresult",
                                                          "No result in status data.")
    done = uploader.post(action="upload", filename="Chunk3.png", filekey=last["filekey"],
                         comment="chunked publish", text="chunked", token=uploader.csrf)
    assert done["upload"]["result"] == "Success"
    assert done["upload"]["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()


def test_checkstatus_midway(uploader: ApiClient) -> None:
    data = _big_png("mid")
    key = uploader.chunk("Mid.png", data[:2048], 0, len(data))["upload"]["filekey"]
    status = uploader.post(action="upload", checkstatus="1", filekey=key, token=uploader.csrf)
    assert status == {"upload": {"result": "Continue", "stage": "uploading", "offset": 2048}}


def test_wrong_offset_reports_the_server_offset(uploader: ApiClient, api_url: str) -> None:
    data = _big_png("off")
    key = uploader.chunk("Off.png", data[:2048], 0, len(data))["upload"]["filekey"]
    wrong = uploader.chunk("Off.png", data[4096:6144], 4096, len(data), key)
    assert wrong == error_of(api_url, "stashfailed", "Invalid chunk offset", offset="2048")
    right = uploader.chunk("Off.png", data[2048:4096], 2048, len(data), key)
    assert right["upload"] == {"result": "Continue", "offset": 4096, "filekey": key}


def test_resent_chunk_is_accepted(uploader: ApiClient) -> None:
    data = _big_png("resend")
    key = uploader.chunk("Resend.png", data[:2048], 0, len(data))["upload"]["filekey"]
    uploader.chunk("Resend.png", data[2048:4096], 2048, len(data), key)
    again = uploader.chunk("Resend.png", data[2048:4096], 2048, len(data), key)
    assert again["upload"] == {"result": "Continue", "offset": 4096, "filekey": key}
    other = uploader.chunk("Resend.png", os.urandom(2048), 2048, len(data), key)
    assert other["error"]["code"] == "stashfailed" and other["error"]["offset"] == "4096"


def test_chunk_errors(uploader: ApiClient, api_url: str) -> None:
    data = _big_png("errs")
    assert uploader.chunk("Small.png", data[:100], 0, len(data)) == error_of(
        api_url, "chunk-too-small", "Minimum chunk size is 1,024 bytes for non-final chunks.")
    assert uploader.chunk("Unk.png", data[:2048], 2048, len(data)) == error_of(
        api_url, "filekeyneeded", 'Must supply a "filekey" when "offset" is non-zero.')
    assert uploader.chunk("Unk.png", data[:2048], 0, len(data), "1abc.def.1.png") == error_of(
        api_url, "filekeynotallowed", 'Cannot supply a "filekey" when "offset" is 0.')
    assert uploader.chunk("Unk.png", data[:2048], 2048, len(data), "1abc.def.1.png") == \
        error_of(api_url, "uploadstash-file-not-found", 'Key "1abc.def.1.png" not found in '
                 'stash.')
    assert uploader.chunk("Big.png", data[:2048], len(data) - 10, len(data), None) == error_of(
        api_url, "filekeyneeded", 'Must supply a "filekey" when "offset" is non-zero.')


def test_bad_type_and_content(uploader: ApiClient, api_url: str) -> None:
    assert uploader.chunk("Exe.exe", media.exe("x") * 30, 0, 2402) == error_of(
        api_url, "illegal-filename", "The filename is not allowed.")
    html = media.html("h") * 40
    assert uploader.chunk("Html.png", html[:1500], 0, len(html)) == error_of(
        api_url, "filetype-badmime",
        'Files of the MIME type "text/html" are not allowed to be uploaded.')


def test_filesize_too_large_is_clamped_with_warning(uploader: ApiClient) -> None:
    data = _big_png("huge")
    reply = uploader.chunk("Huge.png", data[:2048], 0, 54975581388800)
    assert reply["warnings"] == {"upload": {"*": 'The value "54975581388800" for parameter '
                                                 '"filesize" must be between 0 and '
                                                 '5,369,757,696.'}}
    assert reply["upload"]["result"] == "Continue"


def test_other_users_session_is_refused(uploader: ApiClient, admin: ApiClient) -> None:
    data = _big_png("own")
    key = uploader.chunk("Own.png", data[:2048], 0, len(data))["upload"]["filekey"]
    reply = admin.chunk("Own.png", data[2048:4096], 2048, len(data), key)
    assert reply["error"]["code"] == "uploadstash-wrong-owner"


def test_last_chunk_failing_verification_is_stashfailed(uploader: ApiClient,
                                                       wiki: Wiki) -> None:
    data = media.text("t") * 200          # text named .png: refused once whole
    replies = uploader.chunked("Text.png", data, 2048)
    error = replies[-1]["error"]
    assert error["code"] == "stashfailed"
    assert "does not match the detected MIME type" in error["info"]


def test_partial_upload_size_and_sha1_for_resuming(uploader: ApiClient) -> None:
    data = _big_png("resume")
    key = uploader.chunk("Resume.png", data[:2048], 0, len(data))["upload"]["filekey"]
    uploader.chunk("Resume.png", data[2048:4096], 2048, len(data), key)
    info = uploader.get(action="query", prop="stashimageinfo", siifilekey=key,
                        siiprop="size|sha1", formatversion="2")
    entry = info["query"]["stashimageinfo"][0]
    assert entry["size"] == 4096
    assert entry["sha1"] == hashlib.sha1(data[:4096]).hexdigest()


def test_partial_sha1_of_a_session_whose_bytes_are_gone_is_not_found(
        uploader: ApiClient, wiki: Wiki) -> None:
    """The bytes of a chunked upload may go (published once assembled, or cleaned up)
    after its row was read: its partial SHA-1 is then a clean uploadstash-file-not-found,
    not an internal error."""
    from sqlalchemy import select

    from wikiupload.db.stash_models import StashedFile
    from wikiupload.filerepo.backends import LocalBackend
    from wikiupload.upload import chunks

    backend = wiki.filerepo.backend
    if not isinstance(backend, LocalBackend):
        pytest.skip("on S3 the partial SHA-1 is the running hash's or unknown")
    data = _big_png("gone")
    key = uploader.chunk("Gone.png", data[:2048], 0, len(data))["upload"]["filekey"]
    with wiki.db() as db:
        row = db.scalars(select(StashedFile).where(StashedFile.key == key)).one()
    chunks.HASHES.pop(key)                  # as in a process that did not take the chunks
    backend.local_path(row.path).unlink()
    info = uploader.get(action="query", prop="stashimageinfo", siifilekey=key,
                        siiprop="size|sha1", formatversion="2")
    assert info["error"]["code"] == "uploadstash-file-not-found", info


def test_chunk_past_the_declared_size(uploader: ApiClient, api_url: str) -> None:
    data = _big_png("past")
    key = uploader.chunk("Past.png", data[:2048], 0, len(data))["upload"]["filekey"]
    assert uploader.chunk("Past.png", data[2048:] + b"extra", 2048, len(data), key) == \
        error_of(api_url, "invalid-chunk",
                 "Offset plus current chunk is greater than claimed file size.")
    status = uploader.post(action="upload", checkstatus="1", filekey=key, token=uploader.csrf)
    assert status["upload"]["offset"] == 2048       # still resumable where it was


def test_path_like_filekey_is_refused(uploader: ApiClient) -> None:
    data = _big_png("pathkey")
    reply = uploader.chunk("Pathkey.png", data[2048:4096], 2048, len(data), "../../etc/x.png")
    assert reply["error"]["code"] == "uploadstash-bad-path-bad-format"


def test_a_chunk_is_hashed_while_it_is_appended(uploader: ApiClient, wiki: Wiki,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The running hash and the append (with its fsync) of a chunk overlap: each waits here
    until the other has started, which only works if they run at once."""
    import threading

    from wikiupload.filerepo import chunkstore
    from wikiupload.filerepo.backends import LocalBackend
    from wikiupload.upload import chunks

    if not isinstance(wiki.filerepo.backend, LocalBackend):
        pytest.skip("chunks go to S3 as multipart parts: no local append")
    hashing, appending = threading.Event(), threading.Event()
    real_feed, real_append = chunks.feed, chunkstore.append_file

    def feed(digest: object, path: object) -> None:
        hashing.set()
        assert appending.wait(5), "the chunk was hashed before it was appended"
        real_feed(digest, path)  # type: ignore[arg-type]

    def append_file(*args: object, **kwargs: object) -> None:
        appending.set()
        assert hashing.wait(5), "the chunk was appended before it was hashed"
        real_append(*args, **kwargs)  # type: ignore[arg-type]

    data = _big_png("overlap")
    half = len(data) // 2
    key = uploader.chunk("Overlap.png", data[:half], 0, len(data))["upload"]["filekey"]
    chunks.PLACES.pop(key)      # as if another process began it: the chunk cannot land
    monkeypatch.setattr(chunks, "feed", feed)
    monkeypatch.setattr(chunkstore, "append_file", append_file)
    last = uploader.chunk("Overlap.png", data[half:], half, len(data), key)["upload"]
    assert last["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()


def test_a_chunk_rolled_back_leaves_no_running_hash(uploader: ApiClient, wiki: Wiki,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The running hash of a session is kept once its growth commits: a chunk whose
    transaction fails must not leave one behind, which a chunk of the same length sent
    to another process instead would make wrong (the published SHA-1 with it)."""
    from wikiupload.auth import counters
    from wikiupload.filerepo.backends import LocalBackend
    from wikiupload.upload import chunks

    if not isinstance(wiki.filerepo.backend, LocalBackend):
        pytest.skip("the other process is simulated on local files")
    data = _big_png("rolled-back")
    third = len(data) // 3 + 1
    key = uploader.chunk("Rolled.png", data[:third], 0, len(data))["upload"]["filekey"]
    real_release = counters.release_lease
    failures = [RuntimeError("the commit is lost")]

    def release_then_fail(*args: object) -> None:
        if failures:
            raise failures.pop()
        real_release(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(counters, "release_lease", release_then_fail)
    failed = uploader.chunk("Rolled.png", data[third:2 * third], third, len(data), key)
    assert "error" in failed
    remembered = chunks.HASHES.get(key)         # this process's memory of the session
    assert remembered is not None
    chunks.HASHES.clear()                       # another process takes the chunk again
    chunks.PLACES.pop(key)
    other = bytes(b ^ 0xFF for b in data[third:2 * third])
    again = uploader.chunk("Rolled.png", other, third, len(data), key)["upload"]
    assert again["offset"] == 2 * third
    chunks.HASHES.put(key, remembered)          # back to this process
    last = uploader.chunk("Rolled.png", data[2 * third:], 2 * third, len(data), key)
    stored = data[:third] + other + data[2 * third:]
    assert last["upload"]["imageinfo"]["sha1"] == hashlib.sha1(stored).hexdigest()
