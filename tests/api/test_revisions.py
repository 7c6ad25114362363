"""prop=revisions over HTTP, against the shapes MediaWiki 1.39 gives (refcaptures)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.page_helpers import LANGUAGE, MAILING_LIST, SavedRevision, edit, without
from tests.support import ApiClient, error_of
from wikiupload.wiki import Wiki

PYWIKIBOT_RVPROP = ("comment|contentmodel|flags|ids|parsedcomment|sha1|size|tags|timestamp|"
                    "user|userid|content|roles")
TEXT = "Some [[description]] text"
TEXT_SHA1 = "f109ab89947d537af6f8fa9035fe2a6dc0cdf1b5"
LEGACY = ("Because \"rvslots\" was not specified, a legacy format has been used for the "
          "output. This format is deprecated, and in the future the new format will always "
          "be used.")
SINGLE_PAGE = ("\"titles\", \"pageids\" or a generator was used to supply multiple pages, but "
               "the \"rvlimit\", \"rvstartid\", \"rvendid\", \"rvdir=newer\", \"rvuser\", "
               "\"rvexcludeuser\", \"rvstart\", and \"rvend\" parameters may only be used on a "
               "single page.")


def pywikibot_query(client: ApiClient, title: str, **extra: Any) -> dict[str, Any]:
    """What pywikibot asks before an upload when the page text is set (botMayEdit)."""
    return client.post(action="query", titles=title, prop="info|revisions", rvslots="*",
                       rvprop=PYWIKIBOT_RVPROP, indexpageids="", meta="userinfo",
                       uiprop="blockinfo|hasmsg", maxlag="30", **extra)


def file_page(wiki: Wiki) -> SavedRevision:
    return edit(wiki, "File:Refcapture 1.png", TEXT, "ref capture upload")


def test_pywikibot_query_missing_file(anon: ApiClient) -> None:
    """refcaptures file_missing_info_revisions (fv1 and fv2)."""
    missing = {"ns": 6, "title": "File:Nope.png", **LANGUAGE}
    reply = pywikibot_query(anon, "File:Nope.png")
    assert without(reply["query"], "userinfo") == {
        "pageids": ["-1"], "pages": {"-1": {**missing, "missing": ""}}}
    assert reply["batchcomplete"] == ""
    assert "warnings" not in reply
    fv2 = pywikibot_query(anon, "File:Nope.png", formatversion="2")
    assert without(fv2["query"], "userinfo") == {
        "pageids": ["-1"], "pages": [{**missing, "missing": True}]}


def test_pywikibot_query_existing_file_fv1(wiki: Wiki, uploader: ApiClient) -> None:
    """refcaptures file_revisions_content_fv1."""
    saved = file_page(wiki)
    reply = pywikibot_query(uploader, "File:Refcapture_1.png")
    assert reply["batchcomplete"] == ""
    assert without(reply["query"], "userinfo") == {
        "normalized": [{"from": "File:Refcapture_1.png", "to": "File:Refcapture 1.png"}],
        "pageids": [str(saved.page_id)],
        "pages": {str(saved.page_id): {
            "pageid": saved.page_id, "ns": 6, "title": "File:Refcapture 1.png", **LANGUAGE,
            "touched": saved.touched, "lastrevid": saved.rev_id, "length": 25, "new": "",
            "revisions": [{
                "revid": saved.rev_id, "parentid": 0, "user": "Uploader",
                "userid": saved.user_id, "timestamp": saved.timestamp, "size": 25,
                "sha1": TEXT_SHA1, "roles": ["main"],
                "slots": {"main": {"contentmodel": "wikitext", "contentformat": "text/x-wiki",
                                   "*": TEXT}},
                "comment": "ref capture upload", "parsedcomment": "ref capture upload",
                "tags": []}]}}}
    assert reply["query"]["userinfo"]["name"] == "Uploader"


def test_pywikibot_query_existing_file_fv2(wiki: Wiki, anon: ApiClient) -> None:
    """refcaptures file_revisions_content_fv2."""
    saved = file_page(wiki)
    reply = pywikibot_query(anon, "File:Refcapture_1.png", formatversion="2")
    [page] = reply["query"]["pages"]
    assert page["new"] is True
    assert page["revisions"] == [{
        "revid": saved.rev_id, "parentid": 0, "minor": False, "user": "Uploader",
        "userid": saved.user_id, "timestamp": saved.timestamp, "size": 25, "sha1": TEXT_SHA1,
        "roles": ["main"],
        "slots": {"main": {"contentmodel": "wikitext", "contentformat": "text/x-wiki",
                           "content": TEXT}},
        "comment": "ref capture upload", "parsedcomment": "ref capture upload", "tags": []}]


def test_legacy_format_without_rvslots(wiki: Wiki, anon: ApiClient) -> None:
    """refcaptures file_revisions_content_noslots: slot fields merged, a deprecation."""
    saved = file_page(wiki)
    reply = anon.get(action="query", titles="File:Refcapture_1.png", prop="revisions",
                     rvprop="content")
    assert reply["warnings"] == {"main": {"*": MAILING_LIST}, "revisions": {"*": LEGACY}}
    assert reply["query"]["pages"][str(saved.page_id)]["revisions"] == [
        {"contentformat": "text/x-wiki", "contentmodel": "wikitext", "*": TEXT}]
    fv2 = anon.get(action="query", titles="File:Refcapture_1.png", prop="revisions",
                   rvprop="contentmodel|content|slotsize", formatversion="2")
    assert fv2["warnings"]["revisions"] == {"warnings": LEGACY}
    assert fv2["query"]["pages"][0]["revisions"] == [
        {"size": 25, "contentmodel": "wikitext", "contentformat": "text/x-wiki",
         "content": TEXT}]


def test_no_deprecation_for_metadata_only_or_missing_pages(wiki: Wiki,
                                                           anon: ApiClient) -> None:
    file_page(wiki)
    reply = anon.get(action="query", titles="File:Refcapture_1.png", prop="revisions")
    assert "warnings" not in reply
    reply = anon.get(action="query", titles="Nope", prop="revisions", rvprop="content",
                     rvlimit="5", rvstart="2020-01-01T00:00:00Z")
    assert reply == {"batchcomplete": "", "query": {"pages": {
        "-1": {"ns": 0, "title": "Nope", "missing": ""}}}}


def test_slot_fields(wiki: Wiki, anon: ApiClient) -> None:
    file_page(wiki)
    [page] = anon.get(action="query", titles="File:Refcapture_1.png", prop="revisions",
                      rvprop="ids|size|slotsize|sha1|slotsha1|contentmodel", rvslots="main",
                      formatversion="2")["query"]["pages"]
    [revision] = page["revisions"]
    assert without(revision, "revid") == {
        "parentid": 0, "size": 25, "sha1": TEXT_SHA1,
        "slots": {"main": {"size": 25, "sha1": TEXT_SHA1, "contentmodel": "wikitext"}}}
    [page] = anon.get(action="query", titles="File:Refcapture_1.png", prop="revisions",
                      rvprop="ids|content", rvslots="", formatversion="2")["query"]["pages"]
    assert without(page["revisions"][0], "revid", "parentid") == {"slots": {}}
    [page] = anon.get(action="query", titles="File:Refcapture_1.png", prop="revisions",
                      rvprop="", formatversion="2")["query"]["pages"]
    assert page["revisions"] == [[]]


def history(wiki: Wiki) -> list[SavedRevision]:
    return [edit(wiki, "Probe", "first", "first"),
            edit(wiki, "Probe", "second", "second [[Main Page]] link", minor=True),
            edit(wiki, "Probe", "third", "", user="Admin"),
            edit(wiki, "Main Page", "main")]


def test_history_with_continuation(wiki: Wiki, anon: ApiClient) -> None:
    first, second, third, _ = history(wiki)
    reply = anon.get(action="query", titles="Probe", prop="revisions", rvlimit="2",
                     rvprop="ids|user")
    assert "batchcomplete" not in reply
    assert reply["continue"] == {"rvcontinue": f"{_mw(first.timestamp)}|{first.rev_id}",
                                 "continue": "||"}
    revisions = reply["query"]["pages"][str(first.page_id)]["revisions"]
    assert revisions == [
        {"revid": third.rev_id, "parentid": second.rev_id, "user": "Admin"},
        {"revid": second.rev_id, "parentid": first.rev_id, "user": "Uploader"}]
    rest = anon.get(action="query", titles="Probe", prop="revisions", rvlimit="2",
                    rvprop="ids", rvcontinue=reply["continue"]["rvcontinue"])
    assert rest["batchcomplete"] == ""
    assert rest["query"]["pages"][str(first.page_id)]["revisions"] == [
        {"revid": first.rev_id, "parentid": 0}]


def test_history_filters(wiki: Wiki, anon: ApiClient) -> None:
    first, second, third, _ = history(wiki)

    def ids(**params: Any) -> list[int]:
        reply = anon.get(action="query", titles="Probe", prop="revisions", rvprop="ids",
                         formatversion="2", **params)
        return [r["revid"] for r in reply["query"]["pages"][0].get("revisions", [])]

    assert ids(rvdir="newer") == [first.rev_id, second.rev_id, third.rev_id]
    assert ids(rvstartid=second.rev_id) == [second.rev_id, first.rev_id]
    assert ids(rvstartid=second.rev_id, rvendid=second.rev_id) == [second.rev_id]
    assert ids(rvuser="Uploader") == [second.rev_id, first.rev_id]
    assert ids(rvexcludeuser="Uploader") == [third.rev_id]
    assert ids(rvuser=f"#{third.user_id}") == [third.rev_id]
    assert ids(rvstart="2000-01-01T00:00:00Z") == []
    assert ids(rvend="2000-01-01T00:00:00Z") == [third.rev_id, second.rev_id, first.rev_id]


def test_latest_revision_of_several_pages(wiki: Wiki, anon: ApiClient) -> None:
    _, _, third, main = history(wiki)
    reply = anon.get(action="query", titles="Probe|Main Page", prop="revisions",
                     rvprop="ids|flags|timestamp|user|userid|comment", formatversion="2")
    assert [p["revisions"] for p in reply["query"]["pages"]] == [
        [{"revid": third.rev_id, "parentid": third.parent_id, "minor": False, "user": "Admin",
          "userid": third.user_id, "timestamp": third.timestamp, "comment": ""}],
        [{"revid": main.rev_id, "parentid": 0, "minor": False, "user": "Uploader",
          "userid": main.user_id, "timestamp": main.timestamp, "comment": ""}]]


def test_single_page_parameters_on_several_pages(wiki: Wiki, anon: ApiClient) -> None:
    history(wiki)
    reply = anon.get(action="query", titles="Probe|Main Page", prop="revisions", rvlimit="2")
    assert reply == error_of(anon.url, "invalidparammix", SINGLE_PAGE)


@pytest.mark.parametrize(("params", "code", "info"), [
    ({"rvcontinue": "bad"}, "badcontinue", "Invalid continue param. You should pass the "
     "original value returned by the previous query."),
    ({"rvstartid": "99999"}, "badid_rvstartid",
     "No revision was found for parameter \"rvstartid\"."),
    ({"rvuser": "A", "rvexcludeuser": "B"}, "invalidparammix",
     "The parameters \"rvuser\" and \"rvexcludeuser\" can not be used together."),
    ({"rvprop": "content", "rvslots": "main", "rvparse": "1"}, "invalidparammix",
     "The \"rvparse\" parameter cannot be used with \"rvslots\"."),
    ({"rvprop": "content", "rvsection": "3"}, "nosuchsection",
     "There is no section 3 in revision {rev}."),
])
def test_errors(wiki: Wiki, anon: ApiClient, params: dict[str, str], code: str,
                info: str) -> None:
    saved = edit(wiki, "Probe", "no sections")
    reply = anon.get(action="query", titles="Probe", prop="revisions", **params)
    assert reply["error"]["code"] == code
    assert reply["error"]["info"] == info.format(rev=saved.rev_id)


def test_limits(wiki: Wiki, anon: ApiClient, admin: ApiClient) -> None:
    history(wiki)
    reply = anon.get(action="query", titles="Probe", prop="revisions", rvlimit="max",
                     rvprop="ids", formatversion="2")
    assert reply["limits"] == {"revisions": 500}
    reply = anon.get(action="query", titles="Probe", prop="revisions", rvlimit="max",
                     rvprop="ids|content", rvslots="main", formatversion="2")
    assert reply["limits"] == {"revisions": 50}
    reply = admin.get(action="query", titles="Probe", prop="revisions", rvlimit="max",
                      rvprop="ids|content", rvslots="main", formatversion="2")
    assert reply["limits"] == {"revisions": 500}
    reply = anon.get(action="query", titles="Probe", prop="revisions", rvlimit="100",
                     rvprop="ids|content", rvslots="main", formatversion="2")
    assert reply["warnings"] == {"revisions": {"warnings": "The value \"100\" for parameter "
                                               "\"rvlimit\" must be between 1 and 50."}}
    reply = anon.get(action="query", titles="Probe", prop="revisions", rvlimit="600",
                     rvprop="ids|content", rvslots="main", formatversion="2")
    assert reply["warnings"] == {"revisions": {"warnings": "The value \"600\" for parameter "
                                               "\"rvlimit\" must be between 1 and 50."}}
    reply = anon.get(action="query", titles="Probe", prop="revisions", rvlimit="0",
                     rvprop="ids", formatversion="2")
    assert reply["warnings"] == {"revisions": {"warnings": "The value \"0\" for parameter "
                                               "\"rvlimit\" must be between 1 and 500."}}
    assert len(reply["query"]["pages"][0]["revisions"]) == 1


def test_parsed_comment_links(wiki: Wiki, anon: ApiClient) -> None:
    edit(wiki, "Main Page", "main")
    edit(wiki, "Probe", "x", "/* Sec */ see [[Main Page|the main]] and [[Foo]]s <b>")
    [page] = anon.get(action="query", titles="Probe", prop="revisions",
                      rvprop="parsedcomment", formatversion="2")["query"]["pages"]
    assert page["revisions"][0]["parsedcomment"] == (
        '<span dir="auto"><span class="autocomment"><a href="/wiki/Probe#Sec" '
        'title="Probe">\u2192\u200eSec</a>: </span> see <a href="/wiki/Main_Page" '
        'title="Main Page">the main</a> and <a href="/index.php?title=Foo&amp;action=edit'
        '&amp;redlink=1" class="new" title="Foo (page does not exist)">Foos</a> '
        '&lt;b&gt;</span>')


def test_section_and_tags(wiki: Wiki, anon: ApiClient) -> None:
    edit(wiki, "Sec", "intro\n\n== A ==\ntext a\n=== A1 ===\na1\n\n== B ==\nb\n",
         tags=("mw-manual",))
    for number, text in (("0", "intro"), ("1", "== A ==\ntext a\n=== A1 ===\na1"),
                         ("T-2", "=== A1 ===\na1")):
        [page] = anon.get(action="query", titles="Sec", prop="revisions",
                          rvprop="content|tags", rvslots="*", rvsection=number,
                          formatversion="2")["query"]["pages"]
        assert page["revisions"][0]["slots"]["main"]["content"] == text
        assert page["revisions"][0]["tags"] == ["mw-manual"]
    for tag, count in (("mw-manual", 1), ("mw_manual", 0), ("mw-manua%", 0), ("foo", 0)):
        [page] = anon.get(action="query", titles="Sec", prop="revisions", rvtag=tag,
                          formatversion="2")["query"]["pages"]
        assert len(page.get("revisions", [])) == count
    [page] = anon.get(action="query", titles="Sec", prop="revisions", rvprop="content",
                      rvslots="*", rvsection="9", formatversion="2")["query"]["pages"]
    assert page["revisions"][0]["slots"] == {"main": {"nosuchsection": True}}


def test_generator(wiki: Wiki, anon: ApiClient) -> None:
    saved = edit(wiki, "Probe", "x")
    reply = anon.get(action="query", titles="Probe|Nope", generator="revisions",
                     formatversion="2")
    assert reply["query"]["pages"] == [{"pageid": saved.page_id, "ns": 0, "title": "Probe"}]


def _mw(timestamp: str) -> str:
    """2024-01-31T12:00:00Z -> 20240131120000."""
    return "".join(ch for ch in timestamp if ch.isdigit())


def test_history_defaults_to_ten_revisions(wiki: Wiki, anon: ApiClient) -> None:
    saved = [edit(wiki, "Long", f"version {n}") for n in range(12)]
    reply = anon.get(action="query", titles="Long", prop="revisions", rvprop="ids",
                     rvdir="newer", formatversion="2")
    revisions = reply["query"]["pages"][0]["revisions"]
    assert [r["revid"] for r in revisions] == [s.rev_id for s in saved[:10]]
    assert reply["continue"]["rvcontinue"] == f"{_mw(saved[10].timestamp)}|{saved[10].rev_id}"


def test_continuation_lists_finished_modules(wiki: Wiki, anon: ApiClient) -> None:
    """As MediaWiki: finished modules after "||", and they are skipped when sent back."""
    first, second, _, _ = history(wiki)
    params = {"action": "query", "titles": "Probe", "prop": "revisions|info", "rvlimit": "1",
              "rvprop": "ids", "meta": "userinfo", "formatversion": "2"}
    reply = anon.get(**params)
    assert reply["continue"]["continue"] == "||info|userinfo"
    assert "userinfo" in reply["query"]
    again = anon.get(**params, rvcontinue=f"{_mw(second.timestamp)}|{second.rev_id}",
                     **{"continue": "||userinfo"})
    assert again["continue"] == {"rvcontinue": f"{_mw(first.timestamp)}|{first.rev_id}",
                                 "continue": "||info|userinfo"}
    assert "userinfo" not in again["query"]
    [page] = again["query"]["pages"]
    assert page["lastrevid"] == reply["query"]["pages"][0]["lastrevid"]
    assert page["revisions"] == [{"revid": second.rev_id, "parentid": first.rev_id}]
