"""``check`` on any storage backend: damage made and repaired through the storage interface
only, with a chunked upload in progress that must be left alone (on an object store its
bytes are a multipart upload and a tail object, not an object at the stash path). Also
runs on PostgreSQL + S3 when WIKIUPLOAD_TEST_S3_ENDPOINT is set."""

from __future__ import annotations

import hashlib

from tests.clients.media import make_png
from tests.support import ApiClient
from wikiupload.maintenance.check import check_repository
from wikiupload.wiki import Wiki

CHUNK = 64 * 1024


def _problems(wiki: Wiki, **options: bool) -> dict[str, tuple[str, str, bool]]:
    report = check_repository(wiki, min_age=0, **options)
    return {p.path: (p.kind, p.table, p.repaired) for p in report.problems}


def test_damage_found_and_repaired_through_the_interface(wiki: Wiki, admin: ApiClient) -> None:
    versions = [make_png(f"store-{n}") for n in range(2)]
    for data in versions:
        reply = admin.upload("Kept.png", data, "image/png", ignorewarnings="1")
        assert reply["upload"]["result"] == "Success"
    admin.upload("Gone.png", make_png("store-gone"), "image/png")
    assert "delete" in admin.post(action="delete", title="File:Gone.png", token=admin.csrf)
    admin.upload("Stashed.png", make_png("store-stashed"), "image/png", stash="1")
    growing = make_png("store-growing", size=(200, 120), noise=True)
    session = admin.chunk("Growing.png", growing[:CHUNK], 0, len(growing))["upload"]
    assert session["result"] == "Continue"

    report = check_repository(wiki, min_age=0)
    assert report.problems == []
    assert report.checked == {"image": 1, "oldimage": 1, "filearchive": 1, "uploadstash": 2}

    repo, backend = wiki.filerepo, wiki.filerepo.backend
    current = repo.public_path("Kept.png")
    interrupted = f"archive/{repo.hash_path('Kept.png')}20000101000000!Kept.png"
    backend.copy(current, interrupted)                       # a re-upload cut short
    backend.put_bytes(current, make_png("store-never-acknowledged"))
    deleted = next(iter(backend.iter("deleted/")))
    backend.delete(deleted)
    stray = repo.public_path("Nobody.png")
    backend.put_bytes(stray, b"no row names me")

    assert _problems(wiki) == {
        current: ("size-mismatch", "image", False),
        deleted: ("missing", "filearchive", False),
        interrupted: ("orphan", "", False),
        stray: ("orphan", "", False),
    }
    assert _problems(wiki, repair=True) == {
        current: ("size-mismatch", "image", True),
        deleted: ("missing", "filearchive", False),         # its bytes exist nowhere
        interrupted: ("orphan", "", True),
        stray: ("orphan", "", True),
    }
    with backend.open(current) as stream:
        assert stream.read() == versions[1]
    assert not backend.exists(interrupted) and not backend.exists(stray)
    assert _problems(wiki) == {deleted: ("missing", "filearchive", False)}

    offset, reply = session["offset"], session
    while offset < len(growing):                             # the session was left alone
        reply = admin.chunk("Growing.png", growing[offset:offset + CHUNK], offset,
                            len(growing), session["filekey"])["upload"]
        offset = reply.get("offset", len(growing))
    info = admin.get(action="query", prop="stashimageinfo", siifilekey=reply["filekey"],
                     siiprop="sha1", formatversion="2")
    assert info["query"]["stashimageinfo"][0]["sha1"] == hashlib.sha1(growing).hexdigest()
