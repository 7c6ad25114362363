"""prop=info over HTTP, against the shapes MediaWiki 1.39 gives (refcaptures)."""

from __future__ import annotations

from typing import Any

from tests.api.page_helpers import LANGUAGE, MAILING_LIST, edit, without
from tests.support import ApiClient
from wikiupload.wiki import Wiki

FILE_PAGE_TEXT = "Some [[description]] text"
MWCLIENT_IIPROP = "timestamp|user|comment|url|size|sha1|metadata|mime|archivename"
ALL_PROPS = ("protection|talkid|watched|watchers|visitingwatchers|notificationtimestamp|"
             "subjectid|associatedpage|url|preload|displaytitle|varianttitles|linkclasses")
IMAGEINFO_KEYS = ("imagerepository", "imageinfo", "badfile", "known")


def mwclient_preupload(client: ApiClient, title: str, **extra: Any) -> dict[str, Any]:
    """The query mwclient sends before every upload (Image.can('upload'))."""
    params = {"action": "query", "prop": "info|imageinfo", "titles": title,
              "inprop": "protection", "iiprop": MWCLIENT_IIPROP, "continue": "",
              "meta": "userinfo", "uiprop": "blockinfo|hasmsg", **extra}
    return client.get(**params)


def test_mwclient_preupload_missing_file_fv1(anon: ApiClient) -> None:
    reply = mwclient_preupload(anon, "File:Nope.png")
    pages = reply["query"]["pages"]
    assert list(pages) == ["-1"]
    assert without(pages["-1"], *IMAGEINFO_KEYS) == {
        "ns": 6, "title": "File:Nope.png", "missing": "", **LANGUAGE,
        "protection": [], "restrictiontypes": ["create", "upload"]}
    assert reply["query"]["userinfo"]["anon"] == ""
    assert reply["batchcomplete"] == ""


def test_mwclient_preupload_missing_file_fv2(uploader: ApiClient) -> None:
    reply = mwclient_preupload(uploader, "File:Nope.png", formatversion="2")
    [page] = reply["query"]["pages"]
    assert without(page, *IMAGEINFO_KEYS) == {
        "ns": 6, "title": "File:Nope.png", "missing": True, **LANGUAGE,
        "protection": [], "restrictiontypes": ["create", "upload"]}
    assert reply["batchcomplete"] is True


def test_mwclient_preupload_existing_file(wiki: Wiki, anon: ApiClient) -> None:
    saved = edit(wiki, "File:Refcapture 1.png", FILE_PAGE_TEXT, "ref capture upload")
    reply = mwclient_preupload(anon, "File:Refcapture_1.png")
    assert reply["query"]["normalized"] == [
        {"from": "File:Refcapture_1.png", "to": "File:Refcapture 1.png"}]
    pages = reply["query"]["pages"]
    assert list(pages) == [str(saved.page_id)]
    assert without(pages[str(saved.page_id)], *IMAGEINFO_KEYS) == {
        "pageid": saved.page_id, "ns": 6, "title": "File:Refcapture 1.png", **LANGUAGE,
        "touched": saved.touched, "lastrevid": saved.rev_id, "length": 25, "new": "",
        "protection": [], "restrictiontypes": ["edit", "move", "upload"]}

    fv2 = mwclient_preupload(anon, "File:Refcapture_1.png", formatversion="2")
    assert fv2["query"]["normalized"] == [
        {"fromencoded": False, "from": "File:Refcapture_1.png", "to": "File:Refcapture 1.png"}]
    [page] = fv2["query"]["pages"]
    assert without(page, *IMAGEINFO_KEYS)["new"] is True


def test_second_revision_is_not_new(wiki: Wiki, anon: ApiClient) -> None:
    edit(wiki, "Two", "one")
    saved = edit(wiki, "Two", "two!")
    [page] = anon.get(action="query", titles="Two", prop="info",
                      formatversion="2")["query"]["pages"]
    assert page == {"pageid": saved.page_id, "ns": 0, "title": "Two", **LANGUAGE,
                    "touched": saved.touched, "lastrevid": saved.rev_id, "length": 4}


def test_normalized_titles(anon: ApiClient) -> None:
    """refcaptures file_lowercase_normalized (without the imageinfo part)."""
    titles = "file:nope.png|Image:Nope2.png|File:nope_x.png"
    reply = anon.get(action="query", titles=titles, prop="info")
    missing = {"ns": 6, "missing": "", **LANGUAGE}
    assert reply == {"batchcomplete": "", "query": {
        "normalized": [{"from": "file:nope.png", "to": "File:Nope.png"},
                       {"from": "Image:Nope2.png", "to": "File:Nope2.png"},
                       {"from": "File:nope_x.png", "to": "File:Nope x.png"}],
        "pages": {"-1": {**missing, "title": "File:Nope.png"},
                  "-2": {**missing, "title": "File:Nope2.png"},
                  "-3": {**missing, "title": "File:Nope x.png"}}}}
    fv2 = anon.get(action="query", titles=titles, prop="info", formatversion="2")
    assert [p["title"] for p in fv2["query"]["pages"]] == [
        "File:Nope x.png", "File:Nope2.png", "File:Nope.png"]
    assert fv2["query"]["normalized"][0] == {"fromencoded": False, "from": "file:nope.png",
                                             "to": "File:Nope.png"}


def test_invalid_special_missing_and_existing_titles(wiki: Wiki, anon: ApiClient) -> None:
    """refcaptures title_invalid_many: fake ids and order as in MediaWiki."""
    main = edit(wiki, "Main Page", "x" * 755)
    titles = "File:|Special:Foo|File:<x>.png|Nope|Main Page"
    reply = anon.get(action="query", titles=titles, prop="info")
    existing = {"pageid": main.page_id, "ns": 0, "title": "Main Page", **LANGUAGE,
                "touched": main.touched, "lastrevid": main.rev_id, "length": 755}
    expected_pages = {
        "-4": {"ns": 0, "title": "Nope", "missing": "", **LANGUAGE},
        "-1": {"title": "File:", "invalidreason": "The requested page title is empty or "
               "contains only the name of a namespace.", "invalid": ""},
        "-2": {"title": "File:<x>.png", "invalidreason":
               "The requested page title contains invalid characters: \"<\".", "invalid": ""},
        "-3": {"ns": -1, "title": "Special:Foo", "special": "", "missing": ""},
        str(main.page_id): {**existing, "new": ""},
    }
    assert reply == {"batchcomplete": "", "query": {"pages": expected_pages}}
    assert list(reply["query"]["pages"]) == list(expected_pages)
    fv2 = anon.get(action="query", titles=titles, prop="info", formatversion="2")
    assert [p["title"] for p in fv2["query"]["pages"]] == [
        "Nope", "Special:Foo", "File:<x>.png", "File:", "Main Page"]
    assert fv2["query"]["pages"][2]["invalid"] is True


def test_fv1_pages_become_a_list_like_php_arrays(wiki: Wiki, anon: ApiClient) -> None:
    """ApiResult turns ids {-1, 1} into a JSON list in formatversion 1 too."""
    edit(wiki, "Main Page", "main")
    reply = anon.get(action="query", titles="A|Main Page")
    assert reply["query"]["pages"] == [{"ns": 0, "title": "A", "missing": ""},
                                       {"pageid": 1, "ns": 0, "title": "Main Page"}]
    reply = anon.get(action="query", titles="A|B|Main Page")
    assert list(reply["query"]["pages"]) == ["-1", "-2", "1"]


def test_indexpageids_and_missing_pageids(wiki: Wiki, anon: ApiClient) -> None:
    saved = edit(wiki, "Probe", "x")
    reply = anon.get(action="query", pageids=f"999999|{saved.page_id}", prop="info",
                     indexpageids="", formatversion="2")
    assert reply["query"]["pageids"] == ["999999", str(saved.page_id)]
    assert reply["query"]["pages"][1] == {"pageid": 999999, "missing": True}
    reply = anon.get(action="query", titles="File:Nope.png", prop="info", indexpageids="")
    assert reply["query"]["pageids"] == ["-1"]


def test_all_props_anonymous(wiki: Wiki, anon: ApiClient, api_url: str) -> None:
    """refcaptures file_info_all_inprop, as seen anonymously."""
    saved = edit(wiki, "File:Refcapture 1.png", FILE_PAGE_TEXT)
    base = api_url.removesuffix("/api.php")
    [missing, page] = anon.get(action="query", titles="File:Nope.png|File:Refcapture_1.png",
                               prop="info", inprop=ALL_PROPS,
                               formatversion="2")["query"]["pages"]
    assert missing == {
        "ns": 6, "title": "File:Nope.png", "missing": True, **LANGUAGE, "protection": [],
        "restrictiontypes": ["create", "upload"], "watched": False,
        "notificationtimestamp": "", "associatedpage": "File talk:Nope.png",
        "fullurl": f"{base}/wiki/File:Nope.png",
        "editurl": f"{base}/index.php?title=File:Nope.png&action=edit",
        "canonicalurl": f"{base}/wiki/File:Nope.png", "preload": None,
        "displaytitle": "File:Nope.png"}
    assert page == {
        "pageid": saved.page_id, "ns": 6, "title": "File:Refcapture 1.png", **LANGUAGE,
        "touched": saved.touched, "lastrevid": saved.rev_id, "length": 25, "new": True,
        "protection": [], "restrictiontypes": ["edit", "move", "upload"], "watched": False,
        "notificationtimestamp": "", "associatedpage": "File talk:Refcapture 1.png",
        "fullurl": f"{base}/wiki/File:Refcapture_1.png",
        "editurl": f"{base}/index.php?title=File:Refcapture_1.png&action=edit",
        "canonicalurl": f"{base}/wiki/File:Refcapture_1.png", "preload": "",
        "displaytitle": "File:Refcapture 1.png",
        "varianttitles": {"en": "File:Refcapture 1.png"}, "linkclasses": []}


def test_watch_facts_fv1_and_watchers_for_admins(admin: ApiClient, uploader: ApiClient) -> None:
    page = uploader.get(action="query", titles="File:Nope.png", prop="info",
                        inprop="watched|watchers|visitingwatchers|notificationtimestamp")
    assert without(page["query"]["pages"]["-1"], "ns", "title", "missing", *LANGUAGE) == {
        "notificationtimestamp": ""}
    page = admin.get(action="query", titles="File:Nope.png", prop="info", formatversion="2",
                     inprop="watched|watchers|visitingwatchers|notificationtimestamp")
    assert without(page["query"]["pages"][0], "ns", "title", "missing", *LANGUAGE) == {
        "watched": False, "watchers": 0, "visitingwatchers": 0, "notificationtimestamp": ""}


def test_talk_and_subject_ids(wiki: Wiki, anon: ApiClient) -> None:
    subject = edit(wiki, "Probe", "subject")
    talk = edit(wiki, "Talk:Probe", "talk")
    pages = anon.get(action="query", titles="Probe|Talk:Probe|Talk:Nope|Nope", prop="info",
                     inprop="talkid|subjectid|associatedpage", formatversion="2")["query"]["pages"]
    facts = {p["title"]: without(p, "pageid", "ns", "title", "missing", "touched", "lastrevid",
                                 "length", "new", *LANGUAGE) for p in pages}
    assert facts == {
        "Probe": {"talkid": talk.page_id, "associatedpage": "Talk:Probe"},
        "Talk:Probe": {"subjectid": subject.page_id, "associatedpage": "Probe"},
        "Talk:Nope": {"associatedpage": "Nope"},
        "Nope": {"associatedpage": "Talk:Nope"},
    }


def test_redirect_page(wiki: Wiki, anon: ApiClient) -> None:
    saved = edit(wiki, "Redir", "#REDIRECT [[Probe]]")
    reply = anon.get(action="query", titles="Redir", prop="info", inprop="linkclasses")
    assert reply["query"]["pages"][str(saved.page_id)] == {
        "pageid": saved.page_id, "ns": 0, "title": "Redir", **LANGUAGE,
        "touched": saved.touched, "lastrevid": saved.rev_id, "length": 19, "redirect": "",
        "new": "", "linkclasses": ["mw-redirect"]}


def test_content_model_of_code_pages(anon: ApiClient) -> None:
    titles = "MediaWiki:Foo.css|MediaWiki:Foo.js|User:X/a.json|User:X.js|File:A.css"
    pages = anon.get(action="query", titles=titles, prop="info",
                     formatversion="2")["query"]["pages"]
    assert {p["title"]: p["contentmodel"] for p in pages} == {
        "MediaWiki:Foo.css": "css", "MediaWiki:Foo.js": "javascript",
        "User:X/a.json": "json", "User:X.js": "wikitext", "File:A.css": "wikitext"}


def test_readable_is_deprecated(anon: ApiClient) -> None:
    reply = anon.get(action="query", titles="Nope", prop="info", inprop="readable|displaytitle")
    assert reply["warnings"] == {
        "main": {"*": MAILING_LIST},
        "info": {"*": "The value \"readable\" to parameter \"inprop\" has been deprecated."}}
    assert reply["query"]["pages"]["-1"]["readable"] == ""


def test_testactions(anon: ApiClient, uploader: ApiClient, plain: ApiClient) -> None:
    actions = anon.get(action="query", titles="File:Nope.png", prop="info",
                       intestactions="edit|upload|read|foo",
                       formatversion="2")["query"]["pages"][0]["actions"]
    assert actions == {"edit": True, "upload": False, "read": True, "foo": False}
    fv1 = anon.get(action="query", titles="File:Nope.png", prop="info",
                   intestactions="edit|upload")["query"]["pages"]["-1"]["actions"]
    assert fv1 == {"edit": ""}
    quick = uploader.get(action="query", titles="File:Nope.png", prop="info",
                         intestactions="edit|upload|reupload", intestactionsdetail="quick",
                         formatversion="2")["query"]["pages"][0]["actions"]
    assert quick == {"edit": [], "upload": [], "reupload": []}
    full = plain.get(action="query", titles="File:Nope.png", prop="info",
                     intestactions="upload", intestactionsdetail="full",
                     formatversion="2")["query"]["pages"][0]["actions"]
    assert full == {"upload": [{"code": "permissiondenied", "text": (
        "The action you have requested is limited to users in one of the groups: "
        "[[RefWiki:Administrators|Administrators]], uploader.")}]}


def test_a_title_with_a_second_leading_colon_is_invalid(wiki: Wiki, anon: ApiClient) -> None:
    """One leading colon marks the main namespace; another one is refused."""
    reply = anon.get(action="query", titles="::Foo|File::Bar.png", prop="info",
                     formatversion="2")
    assert sorted((page["title"], page["invalidreason"], page["invalid"])
                  for page in reply["query"]["pages"]) == [
        (title, "The requested page title contains an invalid colon at the beginning.", True)
        for title in ("::Foo", "File::Bar.png")]
