"""list=allimages (and generator=allimages) over HTTP, against MediaWiki's captured shapes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.file_helpers import BASE_TIME, png, store_file
from tests.support import ApiClient, error_of
from wikiupload.filerepo.repo import FileRepo, sha1_base36
from wikiupload.wiki import Wiki


def _entry(api_url: str, name: str, page_id: int, stamp: str) -> dict[str, Any]:
    server = api_url.removesuffix("/api.php")
    return {"name": name, "timestamp": stamp,
            "url": f"{server}/images/{FileRepo.hash_path(name)}{name}",
            "descriptionurl": f"{server}/wiki/File:{name}",
            "descriptionshorturl": f"{server}/index.php?curid={page_id}",
            "ns": 6, "title": f"File:{name.replace('_', ' ')}"}


def _two(wiki: Wiki) -> tuple[Any, Any]:
    first = store_file(wiki, "Refcapture_1.png", png(), timestamp=BASE_TIME)
    second = store_file(wiki, "Refcapture2_2.png", png(20, 10, (1, 2, 3)),
                        timestamp=BASE_TIME + timedelta(minutes=1), user="Admin")
    return first, second


def test_empty(wiki: Wiki, anon: ApiClient) -> None:
    assert anon.get(action="query", list="allimages") == {
        "batchcomplete": "", "query": {"allimages": []}}
    assert anon.get(action="query", list="allimages", formatversion=2) == {
        "batchcomplete": True, "query": {"allimages": []}}


def test_default_listing_and_continuation(wiki: Wiki, anon: ApiClient, api_url: str) -> None:
    first, second = _two(wiki)
    one = _entry(api_url, "Refcapture_1.png", first.page_id, "2024-01-02T03:04:05Z")
    two = _entry(api_url, "Refcapture2_2.png", second.page_id, "2024-01-02T03:05:05Z")
    assert anon.get(action="query", list="allimages") == {
        "batchcomplete": "", "query": {"allimages": [two, one]}}
    limited = anon.get(action="query", list="allimages", ailimit=1, formatversion=2)
    assert limited == {"batchcomplete": True,
                       "continue": {"aicontinue": "Refcapture_1.png", "continue": "-||"},
                       "query": {"allimages": [two]}}
    rest = anon.get(action="query", list="allimages", ailimit=1, **limited["continue"])
    assert rest["query"]["allimages"] == [one] and "continue" not in rest
    backwards = anon.get(action="query", list="allimages", aidir="descending", aiprop="")
    assert [i["name"] for i in backwards["query"]["allimages"]] == [
        "Refcapture_1.png", "Refcapture2_2.png"]


def test_sha1_lookups(wiki: Wiki, anon: ApiClient, api_url: str) -> None:
    first, _second = _two(wiki)
    expected = {"batchcomplete": "", "query": {"allimages": [
        _entry(api_url, "Refcapture_1.png", first.page_id, "2024-01-02T03:04:05Z")]}}
    assert anon.get(action="query", list="allimages", aisha1=first.sha1) == expected
    assert anon.get(action="query", list="allimages", aisha1=first.sha1.upper()) == expected
    assert anon.get(action="query", list="allimages",
                    aisha1base36=sha1_base36(first.sha1)) == expected
    assert anon.get(action="query", list="allimages", aisha1="0" * 40) == {
        "batchcomplete": "", "query": {"allimages": []}}
    assert anon.get(action="query", list="allimages", aisha1="xyz") == error_of(
        api_url, "invalidsha1hash", "The SHA1 hash provided is not valid.")
    assert anon.get(action="query", list="allimages", aisha1base36="xyz") == error_of(
        api_url, "invalidsha1base36hash", "The SHA1Base36 hash provided is not valid.")


def test_all_props_order(wiki: Wiki, anon: ApiClient) -> None:
    _two(wiki)
    reply = anon.get(action="query", list="allimages", formatversion=2,
                     aiprop="timestamp|user|userid|comment|parsedcomment|canonicaltitle|url|"
                            "size|dimensions|sha1|mime|mediatype|metadata|commonmetadata|"
                            "extmetadata|bitdepth|badfile")
    item = reply["query"]["allimages"][0]
    assert list(item) == ["name", "timestamp", "user", "userid", "size", "width", "height",
                          "parsedcomment", "comment", "canonicaltitle", "url",
                          "descriptionurl", "descriptionshorturl", "sha1", "metadata",
                          "commonmetadata", "extmetadata", "mime", "mediatype", "bitdepth",
                          "ns", "title"]
    assert item["extmetadata"]["ObjectName"] == {"value": "Refcapture2 2",
                                                 "source": "mediawiki-metadata", "hidden": ""}


def test_timestamp_sort_filters_and_continue(wiki: Wiki, anon: ApiClient) -> None:
    _two(wiki)
    store_file(wiki, "Third.png", png(50, 50, (9, 9, 9)),
               timestamp=BASE_TIME + timedelta(minutes=2))

    def names(**params: Any) -> list[str]:
        reply = anon.get(action="query", list="allimages", aiprop="", **params)
        return [i["name"] for i in reply["query"]["allimages"]]

    assert names(aisort="timestamp") == ["Refcapture_1.png", "Refcapture2_2.png", "Third.png"]
    assert names(aisort="timestamp", aidir="older") == [
        "Third.png", "Refcapture2_2.png", "Refcapture_1.png"]
    page = anon.get(action="query", list="allimages", aisort="timestamp", ailimit=1)
    assert page["continue"] == {"aicontinue": "20240102030505|Refcapture2_2.png",
                                "continue": "-||"}
    assert names(aisort="timestamp", **page["continue"]) == ["Refcapture2_2.png", "Third.png"]
    assert names(aisort="timestamp", aistart="2024-01-02T03:05:00Z") == [
        "Refcapture2_2.png", "Third.png"]
    assert names(aisort="timestamp", aiuser="Admin") == ["Refcapture2_2.png"]
    assert names(aiprefix="refcapture") == ["Refcapture2_2.png", "Refcapture_1.png"]
    assert names(aiminsize=10**9) == [] and len(names(aimaxsize=10**9)) == 3
    assert names(aimime="image/gif") == []
    assert names(aimime="image/png", aito="Refcapture_1.png", aifrom="Refcapture_") == [
        "Refcapture_1.png"]


def test_parameter_mixes(wiki: Wiki, anon: ApiClient, api_url: str) -> None:
    assert anon.get(action="query", list="allimages", aiuser="Uploader") == error_of(
        api_url, "invalidparammix",
        "The \"aiuser\" parameter may only be used with \"aisort=timestamp\".")
    mixed = anon.get(action="query", list="allimages", aisort="timestamp",
                     aiuser="Uploader", aifilterbots="bots")
    assert mixed["error"]["code"] == "invalidparammix-cannotusewith"
    assert anon.get(action="query", list="allimages", aidir="sideways") == error_of(
        api_url, "badvalue", "Unrecognized value for parameter \"aidir\": sideways.")


def test_limits(wiki: Wiki, anon: ApiClient) -> None:
    assert anon.get(action="query", list="allimages", ailimit="max") == {
        "batchcomplete": "", "limits": {"allimages": 500}, "query": {"allimages": []}}
    assert anon.get(action="query", list="allimages", ailimit=0) == {
        "batchcomplete": "", "warnings": {"allimages": {
            "*": "The value \"0\" for parameter \"ailimit\" must be between 1 and 500."}},
        "query": {"allimages": []}}


def test_generator(wiki: Wiki, anon: ApiClient) -> None:
    first, second = _two(wiki)
    reply = anon.get(action="query", generator="allimages", gailimit=1, prop="imageinfo",
                     formatversion=2)
    assert reply == {
        "batchcomplete": True,
        "continue": {"gaicontinue": "Refcapture_1.png", "continue": "gaicontinue||"},
        "query": {"pages": [{"pageid": second.page_id, "ns": 6,
                             "title": "File:Refcapture2 2.png", "imagerepository": "local",
                             "imageinfo": [{"timestamp": "2024-01-02T03:05:05Z",
                                            "user": "Admin"}]}]}}
    del first
