"""prop=stashimageinfo over HTTP, against MediaWiki's captured shapes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.api.file_helpers import png
from tests.support import ApiClient, error_of
from wikiupload.db.models import User
from wikiupload.db.stash_models import StashedFile
from wikiupload.upload.stash import FileFacts, UploadStash
from wikiupload.wiki import Wiki


def _stash(wiki: Wiki, tmp_path: Path, width: int = 16, height: int = 16) -> StashedFile:
    data = png(width, height)
    source = tmp_path / "upload.png"
    source.write_bytes(data)
    import hashlib

    with wiki.db() as db:
        user_id = db.scalars(select(User.id).where(User.name == "Uploader")).one()
        facts = FileFacts(size=len(data), sha1=hashlib.sha1(data).hexdigest(),
                          mime="image/png", media_type="BITMAP", width=width, height=height,
                          bits=8, metadata=None)
        row = UploadStash(db, wiki.filerepo).store(source, user_id=user_id,
                                                   orig_name="upload.png", facts=facts)
        db.commit()
        db.refresh(row)
        db.expunge(row)
    return row


def test_anonymous_is_refused(wiki: Wiki, anon: ApiClient, api_url: str) -> None:
    expected = error_of(api_url, "notloggedin",
                        "The upload stash is only available to logged-in users.")
    assert anon.get(action="query", prop="stashimageinfo", siifilekey="nope.png",
                    titles="X") == expected


def test_anonymous_without_page_set(wiki: Wiki, anon: ApiClient, api_url: str) -> None:
    assert anon.get(action="query", prop="stashimageinfo") == error_of(
        api_url, "notloggedin", "The upload stash is only available to logged-in users.")


def test_unknown_key(wiki: Wiki, uploader: ApiClient, api_url: str) -> None:
    reply = uploader.get(action="query", prop="stashimageinfo",
                         siifilekey="abc123.def456.1.png", titles="X")
    assert reply == error_of(api_url, "uploadstash-file-not-found",
                             "Key \"abc123.def456.1.png\" not found in stash.")


def test_properties_in_order(wiki: Wiki, uploader: ApiClient, api_url: str,
                             tmp_path: Path) -> None:
    row = _stash(wiki, tmp_path)
    reply = uploader.get(action="query", prop="stashimageinfo", siifilekey=row.key,
                         titles="X",
                         siiprop="timestamp|url|size|dimensions|sha1|mime|mediatype|bitdepth")
    url = f"{api_url.removesuffix('/api.php')}/wiki/Special:UploadStash/file/{row.key}"
    assert reply["warnings"] == {"stashimageinfo": {
        "*": "Unrecognized value for parameter \"siiprop\": mediatype"}}
    stamp = row.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert reply["query"]["stashimageinfo"] == [{
        "timestamp": stamp, "size": row.size, "width": 16, "height": 16, "url": url,
        "descriptionurl": url, "sha1": row.sha1, "mime": "image/png", "bitdepth": 8}]
    titled = uploader.get(action="query", prop="stashimageinfo", siifilekey=row.key,
                          titles="X", siiprop="canonicaltitle|extmetadata|metadata")
    entry = titled["query"]["stashimageinfo"][0]
    assert entry["canonicaltitle"] == f"File:{row.temp_name}"
    assert entry["metadata"] is None
    assert entry["extmetadata"]["ObjectName"]["value"] == row.temp_name.rsplit(".", 1)[0]


def test_thumbnail_and_deprecated_sessionkey(wiki: Wiki, uploader: ApiClient,
                                             tmp_path: Path) -> None:
    row = _stash(wiki, tmp_path, 300, 200)
    reply = uploader.get(action="query", prop="stashimageinfo", siisessionkey=row.key,
                         titles="X", siiprop="url", siiurlwidth=100)
    assert "siisessionkey" in reply["warnings"]["stashimageinfo"]["*"]
    entry = reply["query"]["stashimageinfo"][0]
    assert (entry["thumbwidth"], entry["thumbheight"]) == (100, 67)
    assert entry["thumburl"].endswith(
        f"/wiki/Special:UploadStash/thumb/{row.key}/100px-{row.temp_name}")


def test_without_page_set(wiki: Wiki, uploader: ApiClient, tmp_path: Path) -> None:
    row = _stash(wiki, tmp_path)
    reply = uploader.get(action="query", prop="stashimageinfo", siifilekey=row.key,
                         siiprop="size|sha1")
    assert reply == {"batchcomplete": "", "query": {"stashimageinfo": [
        {"size": row.size, "width": 16, "height": 16, "sha1": row.sha1}]}}
