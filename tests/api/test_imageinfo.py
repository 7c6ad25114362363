"""prop=imageinfo over HTTP, against the shapes captured from MediaWiki 1.39."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import requests
from PIL import Image as PILImage

from tests.api.file_helpers import BASE_TIME, gif, history, jpeg, png, store_file
from tests.support import ApiClient, docref
from wikiupload.filerepo.repo import FileRepo
from wikiupload.files.info import IMAGEINFO_PROPS
from wikiupload.wiki import Wiki

ALL = "|".join(["timestamp", "user", "userid", "comment", "parsedcomment", "canonicaltitle",
                "url", "size", "dimensions", "sha1", "mime", "thumbmime", "mediatype",
                "metadata", "commonmetadata", "extmetadata", "archivename", "bitdepth",
                "uploadwarning", "badfile"])
STAMP = "2024-01-02T03:04:05Z"


def _server(api_url: str) -> str:
    return api_url.removesuffix("/api.php")


def _hashed(name: str) -> str:
    return f"{FileRepo.hash_path(name)}{name}"


def _pages(reply: dict[str, Any]) -> list[dict[str, Any]]:
    pages = reply["query"]["pages"]
    return list(pages.values()) if isinstance(pages, dict) else list(pages)


def _html(name: str, text: str, src: str, width: int, height: int) -> str:
    return (
        "<p>A file with this name exists already, please check <strong><a class=\"mw-selflink "
        f"selflink\">File:{text}</a></strong> if you are not sure if you want to overwrite it."
        "\n</p>\n<div class=\"thumb tright\"><div class=\"thumbinner\" style=\"width:"
        f"{width + 2}px;\"><a href=\"/wiki/File:{name}\" class=\"image\"><img alt=\"{text}\" "
        f"src=\"{src}\" decoding=\"async\" width=\"{width}\" height=\"{height}\" "
        "class=\"thumbimage\" /></a>  <div class=\"thumbcaption\"><div class=\"magnify\"><a "
        f"href=\"/wiki/File:{name}\" class=\"internal\" title=\"Enlarge\"></a></div></div></div>"
        "</div>")


def test_default_props_fv1_and_fv2(wiki: Wiki, anon: ApiClient) -> None:
    stored = store_file(wiki, "Refcapture_1.png", png(comment="Refcapture_1.png"))
    title = "File:Refcapture_1.png"
    fv1 = anon.get(action="query", titles=title, prop="imageinfo")
    page = {"pageid": stored.page_id, "ns": 6, "title": "File:Refcapture 1.png",
            "imagerepository": "local",
            "imageinfo": [{"timestamp": STAMP, "user": "Uploader"}]}
    assert fv1 == {"batchcomplete": "", "query": {
        "normalized": [{"from": title, "to": "File:Refcapture 1.png"}],
        "pages": {str(stored.page_id): page}}}
    fv2 = anon.get(action="query", titles=title, prop="imageinfo", formatversion=2)
    assert fv2["query"]["pages"] == [page]


def test_all_props_as_captured(wiki: Wiki, anon: ApiClient, api_url: str) -> None:
    stored = store_file(wiki, "Refcapture_1.png", png(comment="Refcapture_1.png"),
                        comment="ref capture upload")
    server = _server(api_url)
    url = f"{server}/images/{_hashed('Refcapture_1.png')}"
    reply = anon.get(action="query", titles="File:Refcapture_1.png", prop="imageinfo",
                     iiprop=ALL, iiurlwidth=50, formatversion=2)
    page = reply["query"]["pages"][0]
    assert list(page) == ["pageid", "ns", "title", "imagerepository", "badfile", "imageinfo"]
    assert page["badfile"] is False
    comment = [{"name": "x-default", "value": "Refcapture_1.png"}, {"name": "_type",
                                                                     "value": "lang"}]
    assert page["imageinfo"] == [{
        "timestamp": STAMP, "user": "Uploader", "userid": 2, "size": stored.size,
        "width": 16, "height": 16, "parsedcomment": "ref capture upload",
        "comment": "ref capture upload",
        "html": _html("Refcapture_1.png", "Refcapture 1.png",
                      f"/images/{_hashed('Refcapture_1.png')}", 16, 16),
        "canonicaltitle": "File:Refcapture 1.png", "thumburl": url, "thumbwidth": 16,
        "thumbheight": 16, "thumbmime": "image/png", "url": url,
        "descriptionurl": f"{server}/wiki/File:Refcapture_1.png",
        "descriptionshorturl": f"{server}/index.php?curid={stored.page_id}",
        "sha1": stored.sha1,
        "metadata": [{"name": "frameCount", "value": 0}, {"name": "loopCount", "value": 1},
                     {"name": "duration", "value": 0}, {"name": "bitDepth", "value": 8},
                     {"name": "colorType", "value": "truecolour"},
                     {"name": "metadata", "value": [
                         {"name": "PNGFileComment", "value": comment},
                         {"name": "_MW_PNG_VERSION", "value": 1}]}],
        "commonmetadata": [{"name": "PNGFileComment", "value": comment}],
        "extmetadata": {
            "DateTime": {"value": STAMP, "source": "mediawiki-metadata", "hidden": ""},
            "ObjectName": {"value": "Refcapture 1", "source": "mediawiki-metadata",
                           "hidden": ""}},
        "mime": "image/png", "mediatype": "BITMAP", "bitdepth": 8}]


def test_property_list_matches_paraminfo(anon: ApiClient) -> None:
    reply = anon.get(action="paraminfo", modules="query+imageinfo", formatversion=2)
    param = reply["paraminfo"]["modules"][0]["parameters"][0]
    assert param["type"] == list(IMAGEINFO_PROPS)


def test_badfile_only(wiki: Wiki, anon: ApiClient) -> None:
    store_file(wiki, "Bad.png", png())
    fv1 = _pages(anon.get(action="query", titles="File:Bad.png", prop="imageinfo",
                          iiprop="badfile"))[0]
    assert fv1["imageinfo"] == [{}] and "badfile" not in fv1
    fv2 = _pages(anon.get(action="query", titles="File:Bad.png", prop="imageinfo",
                          iiprop="badfile", formatversion=2))[0]
    assert fv2["badfile"] is False and fv2["imageinfo"] == [{}]


def test_missing_file(anon: ApiClient, wiki: Wiki, api_url: str) -> None:
    reply = anon.get(action="query", titles="File:Nope.png", prop="imageinfo")
    assert reply == {"batchcomplete": "", "query": {"pages": {"-1": {
        "ns": 6, "title": "File:Nope.png", "missing": "", "imagerepository": ""}}}}
    stub = anon.get(action="query", titles="File:Nope.png", prop="imageinfo",
                    iiprop="url|uploadwarning", formatversion=2)
    assert stub["query"]["pages"] == [{
        "ns": 6, "title": "File:Nope.png", "missing": True, "imagerepository": "",
        "imageinfo": [{"html": "", "descriptionurl": f"{_server(api_url)}/wiki/File:Nope.png",
                       "filemissing": True}]}]


def test_history_with_limit_start_end(wiki: Wiki, anon: ApiClient) -> None:
    versions = history(wiki, "Hist.png", 3)
    reply = anon.get(action="query", titles="File:Hist.png", prop="imageinfo", iilimit=10,
                     iiprop="timestamp|user|comment|size|sha1|mime|archivename")
    infos = _pages(reply)[0]["imageinfo"]
    assert [i["comment"] for i in infos] == ["v3", "v2", "v1"]
    assert "archivename" not in infos[0]
    assert [i.get("archivename") for i in infos[1:]] == [
        versions[2].archive_name, versions[1].archive_name]
    assert [i["sha1"] for i in infos] == [v.sha1 for v in reversed(versions)]
    assert list(infos[1]) == ["timestamp", "user", "size", "width", "height", "comment",
                              "sha1", "mime", "archivename"]
    first = anon.get(action="query", titles="File:Hist.png", prop="imageinfo",
                     iiprop="comment")
    second_stamp = (BASE_TIME + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first["continue"] == {"iistart": second_stamp, "continue": "||"}
    assert "batchcomplete" not in first
    assert _pages(first)[0]["imageinfo"] == [{"comment": "v3"}]
    rest = anon.get(action="query", titles="File:Hist.png", prop="imageinfo",
                    iiprop="comment", iilimit=5, **first["continue"])
    assert [i["comment"] for i in _pages(rest)[0]["imageinfo"]] == ["v2", "v1"]
    window = anon.get(action="query", titles="File:Hist.png", prop="imageinfo",
                      iiprop="comment", iilimit=5, iistart=second_stamp, iiend=second_stamp)
    assert _pages(window)[0]["imageinfo"] == [{"comment": "v2"}]


def test_iicontinue_skips_earlier_files(wiki: Wiki, anon: ApiClient) -> None:
    store_file(wiki, "A.png", png())
    store_file(wiki, "B.png", png(color=(1, 2, 3)))
    reply = anon.get(action="query", titles="File:A.png|File:B.png", prop="imageinfo",
                     iicontinue="B.png|20240102030405", formatversion=2)
    by_title = {p["title"]: p for p in reply["query"]["pages"]}
    assert "imageinfo" not in by_title["File:A.png"]
    assert by_title["File:B.png"]["imageinfo"] == [{"timestamp": STAMP, "user": "Uploader"}]
    bad = anon.get(action="query", titles="File:A.png", prop="imageinfo", iicontinue="x")
    assert bad["error"]["code"] == "badcontinue"


def test_thumbnail_is_made_stored_and_served(wiki: Wiki, anon: ApiClient,
                                              api_url: str) -> None:
    store_file(wiki, "Big_one.png", png(400, 300))
    info = _pages(anon.get(action="query", titles="File:Big_one.png", prop="imageinfo",
                           iiprop="url|thumbmime", iiurlwidth=120, formatversion=2))[0]
    entry = info["imageinfo"][0]
    base = f"{_server(api_url)}/images/thumb/{_hashed('Big_one.png')}"
    assert entry["thumburl"] == f"{base}/120px-Big_one.png"
    assert (entry["thumbwidth"], entry["thumbheight"], entry["thumbmime"]) == (120, 90,
                                                                               "image/png")
    assert entry["responsiveUrls"] == {"1.5": f"{base}/180px-Big_one.png",
                                       "2": f"{base}/240px-Big_one.png"}
    assert list(entry)[:6] == ["thumburl", "thumbwidth", "thumbheight", "thumbmime",
                               "responsiveUrls", "url"]
    assert wiki.filerepo.backend.exists(f"thumb/{_hashed('Big_one.png')}/120px-Big_one.png")
    served = requests.get(entry["thumburl"], timeout=30)
    assert served.status_code == 200
    with PILImage.open(io.BytesIO(served.content)) as image:
        assert image.size == (120, 90)


def test_thumbnail_by_height_and_no_upscaling(wiki: Wiki, anon: ApiClient,
                                              api_url: str) -> None:
    store_file(wiki, "Wide.png", png(400, 300))
    store_file(wiki, "Small.png", png(16, 16))
    by_height = _pages(anon.get(action="query", titles="File:Wide.png", prop="imageinfo",
                                iiprop="url", iiurlheight=60))[0]["imageinfo"][0]
    assert (by_height["thumbwidth"], by_height["thumbheight"]) == (80, 60)
    assert by_height["thumburl"].endswith("/80px-Wide.png")
    small = _pages(anon.get(action="query", titles="File:Small.png", prop="imageinfo",
                            iiprop="url", iiurlwidth=500))[0]["imageinfo"][0]
    url = f"{_server(api_url)}/images/{_hashed('Small.png')}"
    assert small["thumburl"] == small["url"] == url
    assert (small["thumbwidth"], small["thumbheight"]) == (16, 16)
    assert "responsiveUrls" not in small


def test_urlparam(wiki: Wiki, anon: ApiClient, api_url: str) -> None:
    store_file(wiki, "Refcapture_1.png", png())
    good = _pages(anon.get(action="query", titles="File:Refcapture_1.png", prop="imageinfo",
                           iiprop="url", iiurlparam="30px"))[0]["imageinfo"][0]
    assert list(good) == ["thumburl", "thumbwidth", "thumbheight", "url", "descriptionurl",
                          "descriptionshorturl"]
    bad = anon.get(action="query", titles="File:Refcapture_1.png", prop="imageinfo",
                   iiprop="url", iiurlparam="foo")
    assert bad == {
        "warnings": {"imageinfo": {"*": "Could not parse \"iiurlparam\" for "
                                        "Refcapture_1.png. Using only width and height."}},
        "error": {"code": "urlparamnormal",
                  "info": "Could not normalize image parameters for Refcapture_1.png.",
                  "*": docref(api_url)}}


def test_limit_errors_and_warnings(wiki: Wiki, anon: ApiClient, api_url: str) -> None:
    bad = anon.get(action="query", prop="imageinfo", titles="File:Nope.png", iilimit="abc")
    assert bad["error"]["code"] == "badinteger"
    big = anon.get(action="query", prop="imageinfo", titles="File:Nope.png", iilimit=100000)
    assert big == {"batchcomplete": "", "warnings": {"imageinfo": {
        "*": "The value \"100000\" for parameter \"iilimit\" must be between 1 and 500."}},
        "query": {"pages": {"-1": {"ns": 6, "title": "File:Nope.png", "missing": "",
                                   "imagerepository": ""}}}}


def test_jpeg_metadata_versions(wiki: Wiki, anon: ApiClient) -> None:
    store_file(wiki, "Photo.jpg", jpeg(artist="Someone"))
    def metadata(**extra: Any) -> Any:
        reply = anon.get(action="query", titles="File:Photo.jpg", prop="imageinfo",
                         iiprop="metadata|commonmetadata|bitdepth|mediatype", **extra)
        return _pages(reply)[0]["imageinfo"][0]
    old = metadata()
    assert {"name": "MEDIAWIKI_EXIF_VERSION", "value": 1} in old["metadata"]
    assert {"name": "Artist", "value": "Someone"} in old["metadata"]
    assert old["commonmetadata"] == [{"name": "Artist", "value": "Someone"}]
    latest = metadata(iimetadataversion="latest")
    assert {"name": "MEDIAWIKI_EXIF_VERSION", "value": 2} in latest["metadata"]
    assert (latest["bitdepth"], latest["mediatype"]) == (8, "BITMAP")


def test_animated_gif_has_duration(wiki: Wiki, anon: ApiClient) -> None:
    store_file(wiki, "Anim.gif", gif())
    entry = _pages(anon.get(action="query", titles="File:Anim.gif", prop="imageinfo",
                            iiprop="size|mime"))[0]["imageinfo"][0]
    assert list(entry) == ["size", "width", "height", "duration", "mime"]
    assert entry["duration"] == 0.3


def test_thumbnails_of_old_versions_are_served_and_remade(uploader: ApiClient,
                                                          wiki: Wiki) -> None:
    first, second = png(300, 200, (10, 20, 30)), png(300, 200, (200, 100, 0))
    assert uploader.upload("Versions.png", first, "image/png")["upload"]["result"] == "Success"
    again = uploader.upload("Versions.png", second, "image/png", ignorewarnings=1)
    assert again["upload"]["result"] == "Success"
    reply = uploader.get(action="query", titles="File:Versions.png", prop="imageinfo",
                         iiprop="url|archivename", iilimit=2, iiurlwidth=120)
    old = _pages(reply)[0]["imageinfo"][1]
    assert "/thumb/archive/" in old["thumburl"]

    for attempt in ("made by imageinfo", "made again on request"):
        answer = requests.get(old["thumburl"], timeout=30)
        assert answer.status_code == 200, attempt
        assert answer.headers["Content-Type"] == "image/png"
        thumb = PILImage.open(io.BytesIO(answer.content))
        assert thumb.size == (120, 80)
        assert thumb.getpixel((60, 5))[:3] == (10, 20, 30)   # the old version's colour
        directory = wiki.filerepo.archive_thumb_dir(old["archivename"])
        for path in list(wiki.filerepo.backend.iter(directory + "/")):
            wiki.filerepo.backend.delete(path)

    bogus = old["thumburl"].replace(old["archivename"].split("!")[0], "20000101000000")
    assert requests.get(bogus, timeout=30).status_code == 404
