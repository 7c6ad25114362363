"""list=mystashedfiles over HTTP, against the shapes the reference MediaWiki sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from tests import media_samples as media
from tests.support import ApiClient, error_of
from wikiupload.db.stash_models import StashedFile
from wikiupload.wiki import Wiki


def stash(client: ApiClient, name: str, data: bytes) -> dict[str, Any]:
    """action=upload&stash=1; the upload result."""
    reply = client.upload(name, data, stash="1", ignorewarnings="1")
    assert reply["upload"]["result"] == "Success", reply
    return dict(reply["upload"])


def age(wiki: Wiki, key: str, seconds: int) -> None:
    """Make a stash entry look ``seconds`` old."""
    with wiki.db() as db:
        db.execute(update(StashedFile).where(StashedFile.key == key).values(
            timestamp=datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=seconds)))
        db.commit()


def listing(client: ApiClient, **params: Any) -> dict[str, Any]:
    return client.get(action="query", list="mystashedfiles", **params)


def test_anonymous_is_refused(anon: ApiClient, api_url: str) -> None:
    assert listing(anon, msfprop="size") == error_of(
        api_url, "stashnotloggedin", "The upload stash is only available to logged-in users.")


def test_empty_stash(plain: ApiClient) -> None:
    assert listing(plain) == {"batchcomplete": "", "query": {"mystashedfiles": []}}
    assert listing(plain, formatversion="2") == {"batchcomplete": True,
                                                 "query": {"mystashedfiles": []}}


def test_properties(uploader: ApiClient) -> None:
    png = stash(uploader, "Listed.png", media.png("listed", 30, 20))
    text = stash(uploader, "Listed.txt", media.text("listed"))
    assert listing(uploader, msfprop="size|type") == {"batchcomplete": "", "query": {
        "mystashedfiles": [
            {"filekey": png["filekey"], "status": "finished", "size": png["imageinfo"]["size"],
             "width": 30, "height": 20, "bits": 8, "mimetype": "image/png",
             "mediatype": "BITMAP"},
            {"filekey": text["filekey"], "status": "finished",
             "size": len(media.text("listed")), "width": 0, "height": 0, "bits": 0,
             "mimetype": "text/plain", "mediatype": "TEXT"},
        ]}}
    assert listing(uploader)["query"]["mystashedfiles"] == [
        {"filekey": png["filekey"], "status": "finished"},
        {"filekey": text["filekey"], "status": "finished"}]
    assert listing(uploader, msfprop="type")["query"]["mystashedfiles"][0] == {
        "filekey": png["filekey"], "status": "finished", "mimetype": "image/png",
        "mediatype": "BITMAP"}


def test_unknown_prop_warns(uploader: ApiClient) -> None:
    reply = listing(uploader, msfprop="bogus")
    assert reply == {"batchcomplete": "", "warnings": {"mystashedfiles": {
        "*": "Unrecognized value for parameter \"msfprop\": bogus"}},
        "query": {"mystashedfiles": []}}


def test_only_own_entries(uploader: ApiClient, admin: ApiClient) -> None:
    mine = stash(uploader, "Mine.png", media.png("mine"))
    stash(admin, "Theirs.png", media.png("theirs"))
    assert listing(uploader)["query"]["mystashedfiles"] == [
        {"filekey": mine["filekey"], "status": "finished"}]


def test_continuation(uploader: ApiClient) -> None:
    keys = [stash(uploader, f"Page{n}.png", media.png(f"page{n}"))["filekey"] for n in range(3)]
    first = listing(uploader, msflimit="2")
    assert first == {"batchcomplete": "",
                     "continue": {"msfcontinue": keys[2], "continue": "-||"},
                     "query": {"mystashedfiles": [{"filekey": keys[0], "status": "finished"},
                                                  {"filekey": keys[1], "status": "finished"}]}}
    rest = listing(uploader, msflimit="2", **first["continue"])
    assert rest == {"batchcomplete": "", "query": {"mystashedfiles": [
        {"filekey": keys[2], "status": "finished"}]}}
    assert listing(uploader, msflimit="max")["limits"] == {"mystashedfiles": 500}


def test_bad_continue(uploader: ApiClient, api_url: str) -> None:
    assert listing(uploader, msfcontinue="") == error_of(
        api_url, "badcontinue", "Invalid continue param. You should pass the original value "
                                "returned by the previous query.")
    assert listing(uploader, msfcontinue="../x")["error"]["code"] == "badcontinue"


def test_chunk_session_is_listed(uploader: ApiClient) -> None:
    data = media.png("chunks", 64, 40)
    key = uploader.chunk("Partial.png", data[:2048], 0, len(data) + 4096)["upload"]["filekey"]
    assert listing(uploader, msfprop="size|type")["query"]["mystashedfiles"] == [
        {"filekey": key, "status": "chunks", "size": 2048, "width": 0, "height": 0,
         "bits": 0, "mimetype": "image/png", "mediatype": "BITMAP"}]


def test_expired_entries_are_not_listed(wiki: Wiki, uploader: ApiClient) -> None:
    old = stash(uploader, "Old.png", media.png("old"))["filekey"]
    new = stash(uploader, "New.png", media.png("new"))["filekey"]
    age(wiki, old, wiki.settings.upload_stash_max_age + 60)
    assert listing(uploader)["query"]["mystashedfiles"] == [
        {"filekey": new, "status": "finished"}]
