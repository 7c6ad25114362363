"""action=undelete over HTTP: file versions and page revisions come back exactly as they
were (rows, ids, archive names, bytes), with the reference server's answers."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from tests import media_samples as media
from tests.api.history_helpers import (
    ADMINS_ONLY,
    delete,
    deleted_object,
    edit_at,
    history,
    log_events,
    page_id,
    served,
    sha1,
    undelete,
    upload_versions,
)
from tests.api.page_helpers import edit
from tests.support import ApiClient, error_of
from wikiupload.wiki import Wiki


def _revisions(client: ApiClient, title: str) -> Any:
    reply = client.get(action="query", prop="revisions", titles=title, rvlimit="50",
                       rvprop="ids|timestamp|user|comment|content|sha1", rvslots="main",
                       formatversion="2")
    return reply["query"]["pages"][0]


def _archived(admin: ApiClient) -> list[dict[str, Any]]:
    reply = admin.get(action="query", list="filearchive", faprop="sha1|archivename",
                      formatversion="2")
    return reply["query"]["filearchive"]  # type: ignore[no-any-return]


def test_undelete_restores_everything_exactly(uploader: ApiClient, admin: ApiClient,
                                              wiki: Wiki) -> None:
    versions = upload_versions(uploader, "Back.png", 3)
    files_before = history(uploader, "Back.png")
    revisions_before = _revisions(uploader, "File:Back.png")
    delete(admin, "File:Back.png", reason="gone")
    reply = undelete(admin, "File:Back.png", reason="back")
    assert reply == {"undelete": {"title": "File:Back.png", "revisions": 3,
                                  "fileversions": 3, "reason": "back"}}
    assert history(uploader, "Back.png") == files_before
    assert _revisions(uploader, "File:Back.png") == revisions_before
    urls = [v["url"] for v in files_before["imageinfo"]]
    assert [served(url).content for url in urls] == versions[::-1]
    assert _archived(admin) == []
    assert list(wiki.filerepo.backend.iter("deleted/")) == []


def test_file_versions_only_then_the_rest(uploader: ApiClient, admin: ApiClient,
                                         wiki: Wiki) -> None:
    """As the reference run: the oldest version alone becomes current (the page stays
    deleted); later the rest come back as old versions, the deleted current one under an
    archive name made from its deletion time."""
    versions = upload_versions(uploader, "Parts.png", 3)
    before = history(uploader, "Parts.png")["imageinfo"]
    delete(admin, "File:Parts.png", oldimage=before[2]["archivename"], reason="old one")
    delete(admin, "File:Parts.png", reason="all gone")
    oldest = next(f for f in _archived(admin) if f["sha1"] == sha1(versions[0]))
    reply = undelete(admin, "File:Parts.png", fileids=str(oldest["id"]), reason="partial")
    assert reply["undelete"] == {"title": "File:Parts.png", "revisions": 0,
                                 "fileversions": 1, "reason": "partial"}
    page = history(uploader, "Parts.png", "comment|sha1|archivename")
    assert page["missing"] is True
    assert page["imageinfo"] == [{"comment": "v1", "sha1": sha1(versions[0])}]
    reply = undelete(admin, "File:Parts.png", reason="rest")
    assert reply["undelete"]["revisions"] == 3 and reply["undelete"]["fileversions"] == 2
    after = history(uploader, "Parts.png", "comment|sha1|archivename")["imageinfo"]
    assert [(v["comment"], v["sha1"]) for v in after] == [
        ("v1", sha1(versions[0])), ("v3", sha1(versions[2])), ("v2", sha1(versions[1]))]
    # v2 keeps its archive name unless the deletion of v3 fell in the same second (then the
    # two would collide and one is moved to the next free second)
    names = [after[1]["archivename"], after[2]["archivename"]]
    assert len(set(names)) == 2 and all(n.endswith("!Parts.png") for n in names)
    assert before[1]["archivename"] in names or after[2]["archivename"] > before[1][
        "archivename"]
    entries = log_events(admin, letype="delete", leaction="delete/restore",
                         leprop="comment|details|ids")
    assert [(e["comment"], e["params"]) for e in entries] == [
        ("rest", {"count": {"revisions": 3, "files": 2}}),
        ("partial", {"count": {"revisions": 0, "files": 1}})]
    assert entries[1]["logpage"] == 0
    assert entries[0]["logpage"] == entries[0]["pageid"] == page_id(wiki, "File:Parts.png")


def test_text_missing_is_an_error_object_next_to_success(uploader: ApiClient,
                                                         admin: ApiClient) -> None:
    upload_versions(uploader, "Half.png", 2)
    name = history(uploader, "Half.png")["imageinfo"][1]["archivename"]
    delete(admin, "File:Half.png", oldimage=name)
    reply = undelete(admin, "File:Half.png", reason="back")
    assert reply == {
        "error": {"code": "undelete-no-results",
                  "info": "No matching pages found in the deletion archive."},
        "undelete": {"title": "File:Half.png", "revisions": 0, "fileversions": 1,
                     "reason": "back"}}
    assert [v.get("archivename") for v in history(uploader, "Half.png")["imageinfo"]] == \
        [None, name]


def test_unknown_file_id_changes_nothing(uploader: ApiClient, admin: ApiClient,
                                         api_url: str) -> None:
    upload_versions(uploader, "Ids.png", 2)
    delete(admin, "File:Ids.png")
    real = _archived(admin)[0]["id"]
    reply = undelete(admin, "File:Ids.png", fileids=f"{real}|999998")
    assert reply == error_of(api_url, "undelete-missing-filearchive",
                             "Unable to undelete file archive ID 999998 because it is not in "
                             "the database. It may have already been undeleted.")
    assert len(_archived(admin)) == 2


@pytest.mark.parametrize(("title", "code", "info"), [
    ("File:Never.png", "cantundelete", "Couldn't undelete: the requested revisions may not "
                                       "exist, or may have been undeleted already."),
    ("Bad|x", "invalidtitle", "Bad title \"Bad|x\"."),
])
def test_undelete_errors(admin: ApiClient, api_url: str, title: str, code: str,
                         info: str) -> None:
    assert undelete(admin, title) == error_of(api_url, code, info)


def test_undelete_needs_title_and_right(uploader: ApiClient, admin: ApiClient,
                                        api_url: str) -> None:
    assert admin.post(action="undelete", token=admin.csrf) == error_of(
        api_url, "missingparam", "The \"title\" parameter must be set.")
    upload_versions(uploader, "Locked.png", 1)
    delete(admin, "File:Locked.png")
    assert undelete(uploader, "File:Locked.png") == error_of(api_url, "permissiondenied",
                                                              ADMINS_ONLY)


def test_undelete_next_to_a_new_upload(uploader: ApiClient, admin: ApiClient) -> None:
    """Deleted, uploaded again, then undeleted: the old versions join as old versions."""
    versions = upload_versions(uploader, "Again.png", 2)
    delete(admin, "File:Again.png", reason="gone")
    time.sleep(2.1)     # uploads in one second get later timestamps; keep the new one newer
    fresh = media.png("again-fresh")
    assert uploader.upload("Again.png", fresh, ignorewarnings="1", comment="c3")[
        "upload"]["result"] == "Success"
    reply = undelete(admin, "File:Again.png", reason="merge")
    assert reply["undelete"]["revisions"] == 2 and reply["undelete"]["fileversions"] == 2
    after = history(uploader, "Again.png", "comment|sha1")["imageinfo"]
    assert [v["sha1"] for v in after] == [sha1(fresh), sha1(versions[1]), sha1(versions[0])]
    revisions = _revisions(uploader, "File:Again.png")["revisions"]
    newest_first = sorted(revisions, key=lambda r: (r["timestamp"], r["revid"]), reverse=True)
    assert [r["comment"] for r in newest_first] == ["c3", "v2", "v1"]
    info = uploader.get(action="query", prop="info", titles="File:Again.png", formatversion="2")
    assert info["query"]["pages"][0]["lastrevid"] == newest_first[0]["revid"]


def test_page_revisions_by_timestamp(admin: ApiClient, wiki: Wiki, api_url: str) -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = edit_at(wiki, "Stamped", "one", "s1", "Admin", when)
    edit_at(wiki, "Stamped", "two two", "s2", "Uploader", when.replace(second=6))
    before = _revisions(admin, "Stamped")
    delete(admin, "Stamped")
    assert undelete(admin, "Stamped", timestamps="2000-01-01T00:00:00Z") == error_of(
        api_url, "cantundelete", "Couldn't undelete: the requested revisions may not exist, "
                                 "or may have been undeleted already.")
    assert first == "2024-01-02T03:04:05Z"
    reply = undelete(admin, "Stamped", timestamps=first, reason="first only")
    assert reply["undelete"] == {"title": "Stamped", "revisions": 1, "fileversions": 0,
                                 "reason": "first only"}
    assert [r["comment"] for r in _revisions(admin, "Stamped")["revisions"]] == ["s1"]
    assert undelete(admin, "Stamped")["undelete"]["revisions"] == 1
    assert _revisions(admin, "Stamped") == before
    info = admin.get(action="query", prop="info", titles="Stamped", formatversion="2")
    assert info["query"]["pages"][0]["lastrevid"] == before["revisions"][0]["revid"]


def test_undelete_talk_page(admin: ApiClient, wiki: Wiki) -> None:
    edit(wiki, "Chatty", "text", user="Admin")
    edit(wiki, "Talk:Chatty", "talk", user="Admin")
    delete(admin, "Chatty", deletetalk="1")
    reply = undelete(admin, "Chatty", undeletetalk="1")
    assert reply["undelete"]["revisions"] == 2
    entries = log_events(admin, leaction="delete/restore", leprop="title|comment")
    assert entries == [
        {"ns": 1, "title": "Talk:Chatty",
         "comment": "Undeleted together with the associated page with reason:"},
        {"ns": 0, "title": "Chatty", "comment": ""}]


def test_deleted_objects_shared_by_restore(uploader: ApiClient, admin: ApiClient,
                                           wiki: Wiki) -> None:
    data = upload_versions(uploader, "Keep.png", 1)[0]
    delete(admin, "File:Keep.png")
    repo = wiki.filerepo
    assert repo.backend.exists(deleted_object(repo, data, "Keep.png"))
    undelete(admin, "File:Keep.png")
    assert not repo.backend.exists(deleted_object(repo, data, "Keep.png"))
    assert served(history(uploader, "Keep.png")["imageinfo"][0]["url"]).content == data
