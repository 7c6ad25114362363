"""A publish killed between moving its bytes and committing its rows: the intent it stored
first lets the next start put the objects back as the rows say (a re-upload keeps its old
bytes, a stashed file stays publishable, a first upload leaves nothing), and a publish whose
transaction rolls back in a live process is put back at once.

The kill is real: a separate process publishes and exits without committing."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from tests.clients.media import make_png
from tests.support import ApiClient
from wikiupload.auth.users import principal
from wikiupload.config import Settings
from wikiupload.db.file_models import Image
from wikiupload.db.limit_models import UploadLease
from wikiupload.db.models import User
from wikiupload.db.stash_models import StashedFile
from wikiupload.filerepo.intents import Intent, load_intents, write_intent
from wikiupload.maintenance.check import check_repository
from wikiupload.startup import recover
from wikiupload.upload.pipeline import publish_stashed
from wikiupload.upload.publish import PublishRequest, from_local_file, publish
from wikiupload.upload.stash import FileFacts
from wikiupload.upload.status import set_status
from wikiupload.wiki import Wiki


def _facts(data: bytes) -> FileFacts:
    return FileFacts(size=len(data), sha1=hashlib.sha1(data).hexdigest(), mime="image/png",
                     media_type="BITMAP", width=16, height=16, bits=8)


def _request(db: Any, settings: Settings, name: str, data: bytes) -> PublishRequest:
    user_id = db.scalar(select(User.id).where(User.name == "Uploader"))
    return PublishRequest(name, _facts(data), principal(db, settings, user_id), "new", None)


def _publish_and_die(settings: Settings, name: str, data: bytes, source: str,
                     stash_key: str) -> None:
    """In a child process: publish, then end the process without committing."""
    wiki = Wiki.open(settings, migrate_schema=False)
    with wiki.db() as db:
        request = _request(db, settings, name, data)
        if stash_key:
            row = db.get(StashedFile, stash_key)
            assert row is not None
            publish_stashed(db, wiki.filerepo, row, request)
        else:
            publish(db, wiki.filerepo, request, from_local_file(Path(source)))
        os._exit(0)     # killed: no commit, no rollback, nothing after


def _killed_publish(wiki: Wiki, name: str, data: bytes, tmp_path: Path,
                    stash_key: str = "") -> None:
    source = tmp_path / "new-version.png"
    source.write_bytes(data)
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=_publish_and_die,
                            args=(wiki.settings, name, data, str(source), stash_key))
    child.start()
    child.join(120)
    assert child.exitcode == 0


def _info(client: ApiClient, name: str) -> dict[str, Any]:
    reply = client.get(action="query", prop="imageinfo", titles=f"File:{name}",
                       iiprop="sha1|url|timestamp", iilimit="max")
    return next(iter(reply["query"]["pages"].values()))


def _served(url: str) -> bytes:
    response = requests.get(url, timeout=30)
    response.raise_for_status()
    return response.content


def _stored(wiki: Wiki, path: str) -> bytes:
    with wiki.filerepo.backend.open(path) as stream:
        return stream.read()


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def test_a_reupload_killed_before_its_commit_keeps_the_old_version(
        wiki: Wiki, uploader: ApiClient, tmp_path: Path) -> None:
    old, new = make_png("old version"), make_png("new version")
    assert uploader.upload("Kept.png", old)["upload"]["result"] == "Success"
    _killed_publish(wiki, "Kept.png", new, tmp_path)
    public = wiki.filerepo.public_path("Kept.png")
    assert _stored(wiki, public) == new                  # the state the kill left
    assert len(list(load_intents(wiki.filerepo.backend))) == 1

    assert recover(wiki) == {"restored": 1}

    page = _info(uploader, "Kept.png")
    assert [info["sha1"] for info in page["imageinfo"]] == [_sha1(old)]
    assert _served(page["imageinfo"][0]["url"]) == old
    assert list(load_intents(wiki.filerepo.backend)) == []
    assert check_repository(wiki, min_age=0).problems == []     # no archive copy is left
    again = uploader.upload("Kept.png", new, ignorewarnings="1")
    assert again["upload"]["result"] == "Success"


def test_a_stashed_file_killed_while_published_stays_publishable(
        wiki: Wiki, uploader: ApiClient, tmp_path: Path) -> None:
    data = make_png("stashed then killed")
    key = uploader.upload("Stashed.png", data, stash="1")["upload"]["filekey"]
    _killed_publish(wiki, "Stashed.png", data, tmp_path, stash_key=key)
    public = wiki.filerepo.public_path("Stashed.png")
    assert _stored(wiki, public) == data
    with wiki.db() as db:
        row = db.get(StashedFile, key)
        assert row is not None and not wiki.filerepo.backend.exists(row.path)

    assert recover(wiki) == {"restored": 1}

    assert not wiki.filerepo.backend.exists(public)      # a first upload leaves nothing
    assert "missing" in _info(uploader, "Stashed.png")
    reply = uploader.post(action="upload", filename="Stashed.png", filekey=key,
                          token=uploader.csrf)
    assert reply["upload"]["result"] == "Success", reply
    assert _served(_info(uploader, "Stashed.png")["imageinfo"][0]["url"]) == data
    assert check_repository(wiki, min_age=0).problems == []


def _uploaded(wiki: Wiki, client: ApiClient, name: str, data: bytes) -> tuple[str, str]:
    """Upload ``data`` as ``name``; the new version's timestamp and base-36 SHA-1."""
    assert client.upload(name, data)["upload"]["result"] == "Success"
    with wiki.db() as db:
        image = db.get(Image, name)
        assert image is not None
        return image.timestamp.strftime("%Y%m%d%H%M%S"), image.sha1


def test_a_publish_killed_after_its_commit_keeps_the_new_version(
        wiki: Wiki, uploader: ApiClient) -> None:
    data = make_png("committed")
    stamp, sha1 = _uploaded(wiki, uploader, "Done.png", data)
    write_intent(wiki.filerepo.backend, Intent("Done.png", stamp, sha1, len(data)))

    report = check_repository(wiki, min_age=0)
    assert [(p.kind, p.name) for p in report.problems] == [("unsettled-publish", "Done.png")]
    assert recover(wiki) == {"committed": 1}

    assert _served(_info(uploader, "Done.png")["imageinfo"][0]["url"]) == data
    assert check_repository(wiki, min_age=0).problems == []


def test_an_intent_of_the_first_layout_is_settled_at_the_next_start(
        wiki: Wiki, uploader: ApiClient) -> None:
    """Intents were first kept at journal/<SHA-1 of the name>/<id>.json."""
    data = make_png("first layout")
    stamp, sha1 = _uploaded(wiki, uploader, "Older.png", data)
    intent = Intent("Older.png", stamp, sha1, len(data))
    old_path = f"journal/{hashlib.sha1(b'Older.png').hexdigest()}/{intent.id}.json"
    record = {k: v for k, v in vars(intent).items() if k != "stored_at"}
    wiki.filerepo.backend.put_bytes(old_path, json.dumps(record).encode())
    assert [i.path for i in load_intents(wiki.filerepo.backend)] == [old_path]
    # the name's own lookup (before any change of it, on any node) finds it too
    assert [i.path for i in load_intents(wiki.filerepo.backend, "Older.png")] == [old_path]

    assert recover(wiki) == {"committed": 1}
    assert not wiki.filerepo.backend.exists(old_path)
    assert check_repository(wiki, min_age=0).problems == []


def test_an_intent_cut_short_is_reported_and_removed(wiki: Wiki, uploader: ApiClient) -> None:
    """A first upload's intent is written without fsync; a power loss can leave its file
    empty. It is reported, removed at the next start, and does not stop the name's next
    upload."""
    cut_short = "journal/" + hashlib.sha1(b"Cut.png").hexdigest() + "." + "0" * 32 + ".json"
    wiki.filerepo.backend.put_bytes(cut_short, b"")
    report = check_repository(wiki, min_age=0)
    assert [(p.kind, p.path) for p in report.problems] == [("unreadable-intent", cut_short)]
    data = make_png("after the cut")
    assert uploader.upload("Cut.png", data)["upload"]["result"] == "Success"
    assert recover(wiki) == {"unreadable-intents": 1}
    assert not wiki.filerepo.backend.exists(cut_short)
    assert check_repository(wiki, min_age=0).problems == []
    wiki.filerepo.backend.put_bytes(cut_short, b'{"name": "Cut.png"')
    repaired = check_repository(wiki, min_age=0, repair=True).problems
    assert [(p.kind, p.repaired, p.action) for p in repaired] == [
        ("unreadable-intent", True, "removed")]
    assert not wiki.filerepo.backend.exists(cut_short)


def test_an_intent_holding_another_ones_record_is_reported_and_removed(
        wiki: Wiki, uploader: ApiClient) -> None:
    """Intents are written into the files of settled ones (local storage); a power loss
    can leave a file with its old record under the new name. That record is not what the
    name says: it is reported like an unreadable one, and removed at the next start."""
    old = Intent("Earlier.png", "20260101000000", "0" * 31, 10)
    record = {k: v for k, v in vars(old).items() if k != "stored_at"}
    misplaced = "journal/" + hashlib.sha1(b"Later.png").hexdigest() + "." + "1" * 32 + ".json"
    wiki.filerepo.backend.put_bytes(misplaced, json.dumps(record).encode())
    assert list(load_intents(wiki.filerepo.backend)) == []
    report = check_repository(wiki, min_age=0)
    assert [(p.kind, p.path) for p in report.problems] == [("unreadable-intent", misplaced)]
    assert uploader.upload("Later.png", make_png("later"))["upload"]["result"] == "Success"
    assert recover(wiki) == {"unreadable-intents": 1}
    assert not wiki.filerepo.backend.exists(misplaced)
    assert check_repository(wiki, min_age=0).problems == []


def test_the_next_change_of_the_name_settles_a_kill_first(
        wiki: Wiki, uploader: ApiClient, admin: ApiClient, tmp_path: Path) -> None:
    """A node killed mid-publish may not come back: the next publish of the name, on any
    node, puts the objects back before it archives the current one."""
    old, killed, newer = make_png("first"), make_png("killed"), make_png("after the kill")
    uploader.upload("Shared.png", old)
    _killed_publish(wiki, "Shared.png", killed, tmp_path)

    reply = uploader.upload("Shared.png", newer, ignorewarnings="1")
    assert reply["upload"]["result"] == "Success", reply

    versions = _info(uploader, "Shared.png")["imageinfo"]
    assert [info["sha1"] for info in versions] == [_sha1(newer), _sha1(old)]
    assert [_served(info["url"]) for info in versions] == [newer, old]
    assert list(load_intents(wiki.filerepo.backend)) == []
    assert check_repository(wiki, min_age=0).problems == []


def test_a_deletion_after_a_kill_keeps_the_recorded_bytes(
        wiki: Wiki, uploader: ApiClient, admin: ApiClient, tmp_path: Path) -> None:
    old, killed = make_png("to delete"), make_png("killed before delete")
    uploader.upload("Gone.png", old)
    _killed_publish(wiki, "Gone.png", killed, tmp_path)

    deleted = admin.post(action="delete", title="File:Gone.png", token=admin.csrf)
    assert "delete" in deleted, deleted
    restored = admin.post(action="undelete", title="File:Gone.png", token=admin.csrf)
    assert "undelete" in restored, restored

    assert _served(_info(uploader, "Gone.png")["imageinfo"][0]["url"]) == old
    assert check_repository(wiki, min_age=0).problems == []


def test_check_repair_settles_an_intent_left_by_a_kill(
        wiki: Wiki, uploader: ApiClient, tmp_path: Path) -> None:
    old, new = make_png("check old"), make_png("check new")
    uploader.upload("Checked.png", old)
    _killed_publish(wiki, "Checked.png", new, tmp_path)

    found = check_repository(wiki, min_age=0)
    assert ("unsettled-publish", "Checked.png") in [(p.kind, p.name) for p in found.problems]
    repaired = check_repository(wiki, min_age=0, repair=True)
    assert [(p.kind, p.action) for p in repaired.problems
            if p.kind == "unsettled-publish"] == [("unsettled-publish", "settled: restored")]
    assert check_repository(wiki, min_age=0).problems == []
    assert _served(_info(uploader, "Checked.png")["imageinfo"][0]["url"]) == old


def test_a_publish_rolled_back_in_process_is_put_back_at_once(
        wiki: Wiki, uploader: ApiClient, tmp_path: Path) -> None:
    old, new = make_png("rollback old"), make_png("rollback new")
    uploader.upload("Rolled.png", old)
    source = tmp_path / "new.png"
    source.write_bytes(new)
    with wiki.db() as db:
        publish(db, wiki.filerepo, _request(db, wiki.settings, "Rolled.png", new),
                from_local_file(source))
        assert _stored(wiki, wiki.filerepo.public_path("Rolled.png")) == new
        db.rollback()       # e.g. the commit failed: the database connection was lost

    assert list(load_intents(wiki.filerepo.backend)) == []
    page = _info(uploader, "Rolled.png")
    assert [info["sha1"] for info in page["imageinfo"]] == [_sha1(old)]
    assert _served(page["imageinfo"][0]["url"]) == old
    assert check_repository(wiki, min_age=0).problems == []


def test_writes_after_a_publish_do_not_settle_it_early(
        wiki: Wiki, uploader: ApiClient, tmp_path: Path) -> None:
    """Flushes after the publish end inner transactions; only the commit counts."""
    new = make_png("flushed then committed")
    uploader.upload("Flushed.png", make_png("flushed old"))
    source = tmp_path / "new.png"
    source.write_bytes(new)
    with wiki.db() as db:
        publish(db, wiki.filerepo, _request(db, wiki.settings, "Flushed.png", new),
                from_local_file(source))
        set_status(db, 1, "some.key.png", {"result": "Success", "stage": "publish"})
        db.flush()
        db.commit()
    assert list(load_intents(wiki.filerepo.backend)) == []
    assert _served(_info(uploader, "Flushed.png")["imageinfo"][0]["url"]) == new
    assert check_repository(wiki, min_age=0).problems == []


def test_a_committed_publish_leaves_no_intent(wiki: Wiki, uploader: ApiClient) -> None:
    uploader.upload("Clean.png", make_png("clean one"))
    uploader.upload("Clean.png", make_png("clean two"), ignorewarnings="1")
    assert list(load_intents(wiki.filerepo.backend)) == []


def test_upload_slots_of_dead_processes_are_freed(wiki: Wiki, uploader: ApiClient) -> None:
    """A process killed mid-upload keeps its slot until a process on its host finds it
    gone: at the next start, or when the holder would be refused a slot."""
    wiki.settings = replace(wiki.settings, upload_slot_min_size=0)   # this one takes a slot
    dead = f"{socket.gethostname()}:{_dead_pid()}:1"
    limit = wiki.settings.max_concurrent_uploads_per_user
    with wiki.db() as db:
        user_id = db.scalar(select(User.id).where(User.name == "Uploader"))
        for _ in range(limit):
            db.add(UploadLease(holder=f"user:{user_id}", expires=2**40, owner=dead))
        db.add(UploadLease(holder="user:999", expires=2**40, owner="elsewhere:1:1"))
        db.commit()

    reply = uploader.upload("Slot.png", make_png("slot"))
    assert reply["upload"]["result"] == "Success", reply   # the dead slots were freed

    with wiki.db() as db:
        db.add(UploadLease(holder=f"user:{user_id}", expires=2**40, owner=dead))
        db.commit()
    assert recover(wiki) == {"dead-leases": 1}
    with wiki.db() as db:
        assert db.scalars(select(UploadLease.owner)).all() == ["elsewhere:1:1"]


def _dead_pid() -> int:
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=int)
    child.start()
    child.join()
    assert child.pid is not None
    return child.pid
