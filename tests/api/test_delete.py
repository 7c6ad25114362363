"""action=delete over HTTP: files with their history, old versions, pages; answers and
errors as the reference MediaWiki 1.39 gives them."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests import media_samples as media
from tests.api.history_helpers import (
    ADMINS_ONLY,
    delete,
    deleted_object,
    history,
    log_events,
    page_id,
    served,
    upload_versions,
)
from tests.api.page_helpers import edit
from tests.support import Accounts, ApiClient, error_of
from wikiupload.wiki import Wiki


def test_delete_file_shape_and_log(uploader: ApiClient, admin: ApiClient, wiki: Wiki) -> None:
    upload_versions(uploader, "Gone.png", 3)
    pid = page_id(wiki, "File:Gone.png")
    reply = delete(admin, "File:Gone.png", reason="all gone")
    assert list(reply) == ["delete"]
    assert list(reply["delete"]) == ["title", "reason", "logid"]
    assert reply["delete"]["title"] == "File:Gone.png"
    assert reply["delete"]["reason"] == "all gone"
    entries = log_events(admin, letype="delete", letitle="File:Gone.png",
                         leprop="ids|title|type|user|comment|details")
    assert entries == [{"logid": reply["delete"]["logid"], "ns": 6, "title": "File:Gone.png",
                        "pageid": 0, "logpage": pid, "params": {}, "type": "delete",
                        "action": "delete", "user": "Admin", "comment": "all gone"}]


def test_deleted_bytes_leave_their_urls(uploader: ApiClient, admin: ApiClient,
                                        wiki: Wiki) -> None:
    versions = upload_versions(uploader, "Moved.png", 3)
    urls = [v["url"] for v in history(uploader, "Moved.png")["imageinfo"]]
    assert [served(url).status_code for url in urls] == [200, 200, 200]
    assert "delete" in delete(admin, "File:Moved.png", reason="x")
    assert [served(url).status_code for url in urls] == [404, 404, 404]
    repo = wiki.filerepo
    for data in versions:
        path = deleted_object(repo, data, "Moved.png")
        with repo.backend.open(path) as stream:
            assert stream.read() == data
    page = history(uploader, "Moved.png")
    assert page["missing"] is True and page["imagerepository"] == ""


def test_fv2_result_is_the_same(uploader: ApiClient, admin: ApiClient) -> None:
    upload_versions(uploader, "Fv2.png", 1)
    reply = admin.post(action="delete", title="File:Fv2.png", token=admin.csrf,
                       formatversion="2")
    assert reply["delete"]["reason"] == "" and isinstance(reply["delete"]["logid"], int)


def test_was_deleted_warning_on_reupload(uploader: ApiClient, admin: ApiClient) -> None:
    """Transcript warning_was_deleted."""
    upload_versions(uploader, "Wasdel.png", 1)
    assert delete(admin, "File:Wasdel.png", reason="test")["delete"]["reason"] == "test"
    reply = uploader.upload("Wasdel.png", media.png("wasdel-v2"), "image/png")["upload"]
    assert reply["result"] == "Warning"
    assert reply["warnings"] == {"was-deleted": "Wasdel.png"}
    assert list(reply) == ["result", "warnings", "filekey", "sessionkey"]


def test_duplicate_archive_warning(uploader: ApiClient, admin: ApiClient) -> None:
    data = upload_versions(uploader, "Dupdel.png", 1)[0]
    delete(admin, "File:Dupdel.png")
    reply = uploader.upload("Dupdel-copy.png", data, "image/png")["upload"]
    assert reply["warnings"] == {"duplicate-archive": "Dupdel.png"}


def test_delete_one_old_version(uploader: ApiClient, admin: ApiClient, wiki: Wiki) -> None:
    versions = upload_versions(uploader, "Older.png", 3)
    before = history(uploader, "Older.png")["imageinfo"]
    oldest = before[2]
    reply = delete(admin, "File:Older.png", oldimage=oldest["archivename"], reason="old one")
    assert reply["delete"]["reason"] == "old one"
    after = history(uploader, "Older.png")["imageinfo"]
    assert after == before[:2]
    assert served(oldest["url"]).status_code == 404
    assert served(before[0]["url"]).content == versions[2]
    entry = log_events(admin, letype="delete", letitle="File:Older.png", leprop="ids|comment")
    assert entry == [{"logid": reply["delete"]["logid"], "pageid": page_id(wiki, "File:Older.png"),
                      "logpage": page_id(wiki, "File:Older.png"),
                      "comment": f"Deleted old revision {oldest['archivename']}: old one"}]
    listed = admin.get(action="query", list="filearchive", faprop="sha1|archivename",
                       formatversion="2")["query"]["filearchive"]
    assert [(f["sha1"], f["archivename"]) for f in listed] == [(oldest["sha1"],
                                                                oldest["archivename"])]
    again = delete(admin, "File:Older.png", oldimage=oldest["archivename"])
    assert again["error"]["code"] == "nodeleteablefile"


def test_old_version_without_reason(uploader: ApiClient, admin: ApiClient) -> None:
    upload_versions(uploader, "Older2.png", 2)
    name = history(uploader, "Older2.png")["imageinfo"][1]["archivename"]
    assert delete(admin, "File:Older2.png", oldimage=name)["delete"]["reason"] == ""
    entry = log_events(admin, letype="delete", letitle="File:Older2.png", leprop="comment")
    assert entry == [{"comment": f"Deleted old revision {name}"}]


@pytest.mark.parametrize(("oldimage", "code", "info"), [
    ("short", "invalidoldimage", "⧼invalidoldimage⧽"),
    ("a/bcdefghijklmnopqr", "invalidoldimage", "⧼invalidoldimage⧽"),
    ("20000101000000!Bad.png", "nodeleteablefile", "⧼nodeleteablefile⧽"),
])
def test_oldimage_errors(uploader: ApiClient, admin: ApiClient, api_url: str, oldimage: str,
                         code: str, info: str) -> None:
    upload_versions(uploader, "Bad.png", 2)
    assert delete(admin, "File:Bad.png", oldimage=oldimage) == error_of(api_url, code, info)


@pytest.mark.parametrize("who", ["uploader", "plain", "anon"])
def test_delete_needs_the_right(who: str, request: pytest.FixtureRequest, uploader: ApiClient,
                                api_url: str) -> None:
    upload_versions(uploader, "Kept.png", 1)
    client: ApiClient = request.getfixturevalue(who)
    reply = client.post(action="delete", title="File:Kept.png", token=client.csrf or "+\\")
    assert reply == error_of(api_url, "permissiondenied", ADMINS_ONLY)
    assert history(uploader, "Kept.png")["imageinfo"][0]["comment"] == "v1"


@pytest.mark.parametrize(("params", "code", "info"), [
    ({}, "missingparam", "One of the parameters \"title\" and \"pageid\" is required."),
    ({"title": "File:X.png", "pageid": "1"}, "invalidparammix",
     "The parameters \"title\" and \"pageid\" can not be used together."),
    ({"title": "Bad|x"}, "invalidtitle", "Bad title \"Bad|x\"."),
    ({"pageid": "999999"}, "nosuchpageid", "There is no page with ID 999999."),
    ({"title": "File:Nope.png"}, "missingtitle", "The page you specified doesn't exist."),
    ({"title": "Nope page"}, "missingtitle", "The page you specified doesn't exist."),
])
def test_target_errors(admin: ApiClient, api_url: str, params: dict[str, Any], code: str,
                       info: str) -> None:
    reply = admin.post(action="delete", token=admin.csrf, **params)
    assert reply == error_of(api_url, code, info)


def test_delete_needs_post_and_token(admin: ApiClient, api_url: str) -> None:
    reply = admin.get(action="delete", title="File:X.png", token=admin.csrf)
    assert reply["error"]["code"] == "mustpostparams"
    assert admin.post(action="delete", title="X")["error"]["code"] == "missingparam"


def test_page_deletion_reasons(admin: ApiClient, wiki: Wiki) -> None:
    edit(wiki, "Shared page", "first text", user="Admin")
    edit(wiki, "Shared page", "third", user="Uploader")
    edit(wiki, "Solo page", "solo\ncontent here", user="Admin")
    reply = delete(admin, "Shared page")["delete"]
    assert reply["reason"] == "content was: \"third\""
    assert delete(admin, "Solo page")["delete"]["reason"] == (
        "content was: \"solo content here\", and the only contributor was "
        "\"[[Special:Contributions/Admin|Admin]]\" ([[User talk:Admin|talk]])")
    query = admin.get(action="query", prop="info", titles="Shared page", formatversion="2")
    assert query["query"]["pages"][0]["missing"] is True


def test_blanked_page_reason(admin: ApiClient, wiki: Wiki) -> None:
    edit(wiki, "Blanked", "old words", user="Admin")
    edit(wiki, "Blanked", "", user="Uploader")
    assert delete(admin, "Blanked")["delete"]["reason"] == (
        "content before blanking was: \"old words\"")


def test_long_content_is_cut(admin: ApiClient, wiki: Wiki) -> None:
    edit(wiki, "Long", "é" * 400, user="Admin")
    edit(wiki, "Long", "x" * 600, user="Uploader")
    reason = delete(admin, "Long")["delete"]["reason"]
    assert reason == "content was: \"" + "x" * (500 - 15 - 3) + "...\""


def test_delete_by_pageid_and_talk(admin: ApiClient, wiki: Wiki) -> None:
    saved = edit(wiki, "Numbered", "text", user="Admin")
    edit(wiki, "Talk:Numbered", "talk", user="Admin")
    reply = admin.post(action="delete", pageid=str(saved.page_id), reason="by id",
                       deletetalk="1", token=admin.csrf)
    assert reply["delete"]["title"] == "Numbered" and reply["delete"]["reason"] == "by id"
    entries = log_events(admin, letype="delete", leprop="title|comment")
    assert entries[:2] == [
        {"ns": 1, "title": "Talk:Numbered",
         "comment": "Deleted together with the associated page with reason: by id"},
        {"ns": 0, "title": "Numbered", "comment": "by id"}]


def test_deletetalk_without_talk_page_warns(admin: ApiClient, wiki: Wiki) -> None:
    edit(wiki, "Lonely", "text", user="Admin")
    reply = delete(admin, "Lonely", reason="r", deletetalk="1")
    assert reply["warnings"] == {"delete": {"*": "Cannot delete a non-existing associated "
                                                 "talk page."}}
    assert reply["delete"]["reason"] == "r"


def test_file_description_page_without_file(admin: ApiClient, wiki: Wiki) -> None:
    edit(wiki, "File:Nofile.png", "desc only", user="Admin")
    reply = delete(admin, "File:Nofile.png")["delete"]
    assert reply["reason"].startswith("content was: \"desc only\", and the only contributor")


def test_identical_content_is_stored_once(uploader: ApiClient, admin: ApiClient,
                                          wiki: Wiki) -> None:
    data = upload_versions(uploader, "Twin-a.png", 1)[0]
    assert uploader.upload("Twin-b.png", data, ignorewarnings="1")["upload"]["result"] == \
        "Success"
    delete(admin, "File:Twin-a.png")
    delete(admin, "File:Twin-b.png")
    repo = wiki.filerepo
    assert list(repo.backend.iter("deleted/")) == [deleted_object(repo, data, "Twin-a.png")]
    restored = admin.post(action="undelete", title="File:Twin-a.png", token=admin.csrf)
    assert restored["undelete"]["fileversions"] == 1
    assert repo.backend.exists(deleted_object(repo, data, "Twin-b.png"))


def test_concurrent_deletes_serialise(uploader: ApiClient, admin: ApiClient, api_url: str,
                                      wiki: Wiki) -> None:
    upload_versions(uploader, "Race.png", 3)
    second = ApiClient(api_url)
    second.http.cookies.update(admin.http.cookies)
    second.csrf = admin.csrf
    replies: list[dict[str, Any]] = []

    def run(client: ApiClient) -> None:
        replies.append(delete(client, "File:Race.png", reason="race"))

    threads = [threading.Thread(target=run, args=(c,)) for c in (admin, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.close()
    codes = sorted("delete" if "delete" in r else r["error"]["code"] for r in replies)
    assert codes == ["delete", "missingtitle"]
    listed = admin.get(action="query", list="filearchive", formatversion="2")
    assert len(listed["query"]["filearchive"]) == 3


def test_undefined_tags_come_first(admin: ApiClient, api_url: str) -> None:
    """The tags parameter is validated with the parameters, before the target."""
    assert delete(admin, "File:Nothing-here.png", tags="foo") == error_of(
        api_url, "badtags", "The tag \"foo\" is not allowed to be manually applied.",
        disallowedtags=["foo"])
    assert admin.post(action="undelete", title="File:Nothing-here.png", tags="foo|bar",
                      token=admin.csrf) == error_of(
        api_url, "badtags",
        "The following tags are not allowed to be manually applied: foo, bar",
        disallowedtags=["foo", "bar"])


def test_watch_parameters(uploader: ApiClient, admin: ApiClient, api_url: str,
                          accounts: Accounts, wiki: Wiki) -> None:
    """Admin@bot has no editmywatchlist grant: watching is silently skipped, as MediaWiki
    does; with the main account the page (and its talk page) are watched."""
    upload_versions(uploader, "Watched.png", 2)
    names = [v["archivename"] for v in history(uploader, "Watched.png")["imageinfo"][1:]]
    assert "delete" in delete(admin, "File:Watched.png", oldimage=names[0], watchlist="watch")
    assert _watched(wiki) == []
    main = ApiClient(api_url)
    main.login_main("Admin", accounts.admin_password)
    assert "delete" in delete(main, "File:Watched.png", watchlist="watch")
    main.close()
    assert _watched(wiki) == [(6, "Watched.png"), (7, "Watched.png")]


def _watched(wiki: Wiki) -> list[tuple[int, str]]:
    """Pages Admin (user 1) watches."""
    from sqlalchemy import select

    from wikiupload.db.watch_models import Watch

    with wiki.db() as db:
        rows = db.execute(select(Watch.namespace, Watch.title).where(Watch.user_id == 1)
                          .order_by(Watch.namespace))
        return [(ns, title) for ns, title in rows]
