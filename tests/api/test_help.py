"""action=help: HTML generated from the module declarations (over real HTTP)."""

from __future__ import annotations

import re

from tests.support import ApiClient, docref
from wikiupload.api import registry

HTML_TYPE = "text/html; charset=utf-8"


def section_ids(page: str) -> list[str]:
    return re.findall(r"<h\d class=\"apihelp-header apihelp-module-name\" id=\"([^\"]+)\"", page)


def test_no_parameters_at_all_is_the_main_help(anon: ApiClient) -> None:
    reply = anon.http.get(anon.url)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == HTML_TYPE
    assert reply.headers["Content-Disposition"] == "inline; filename=api-help.html"
    assert reply.headers["Cache-Control"] == "private, must-revalidate, max-age=0"
    page = reply.text
    assert page.startswith("<!DOCTYPE html>\n")
    assert "<title>MediaWiki API help - RefWiki</title>" in page
    assert section_ids(page) == ["main"]
    for name in registry.modules_in_group("action"):
        assert f"modules={name}\">{name}</a>" in page   # the action list links every module
    assert "id=\"main/datatypes\"" in page


def test_format_json_still_gives_html(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "help"})
    assert reply.headers["Content-Type"] == HTML_TYPE
    assert reply.text.startswith("<!DOCTYPE html>")


def test_module_help(anon: ApiClient) -> None:
    page = anon.raw("GET", {"action": "help", "modules": "query+siteinfo"}).text
    assert section_ids(page) == ["query+siteinfo"]
    assert ">meta=siteinfo (si)</h2>" in page
    assert "<dt id=\"query+siteinfo:siprop\">siprop</dt>" in page
    assert "Default: <kbd>general</kbd>" in page
    assert "<kbd>fileextensions</kbd>" in page
    assert "modules=query\">query</a> | <b>siteinfo</b>)" in page   # link trail


def test_submodules_and_recursion(anon: ApiClient) -> None:
    query = section_ids(anon.raw("GET", {"action": "help", "modules": "query",
                                         "submodules": "1"}).text)
    assert query[0] == "query"
    assert "query+siteinfo" in query
    assert all(path.startswith("query+") for path in query[1:])
    page = anon.raw("GET", {"action": "help", "recursivesubmodules": "1", "toc": "1"}).text
    expected = {"main", *(cls.path() for cls in registry.all_modules().values())}
    assert set(section_ids(page)) == expected
    assert "<div id=\"toc\" class=\"toc\">" in page
    assert "href=\"#query+siteinfo\"" in page   # links stay on the page


def test_modules_are_shown_once(anon: ApiClient) -> None:
    page = anon.raw("GET", {"action": "help", "modules": "query+siteinfo|query|query+siteinfo",
                            "submodules": "1"}).text
    ids = section_ids(page)
    assert ids[:2] == ["query+siteinfo", "query"]
    assert len(ids) == len(set(ids))


def test_every_registered_module_renders(anon: ApiClient) -> None:
    paths = ["main", *(cls.path() for cls in registry.all_modules().values())]
    page = anon.raw("POST", {"action": "help", "modules": "|".join(paths)}).text
    assert section_ids(page) == paths


def test_wrap_gives_an_api_result(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "help", "modules": "paraminfo", "wrap": "1",
                             "formatversion": "2"})
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    body = reply.json()
    assert list(body) == ["help"]
    assert list(body["help"]) == ["mime", "filename", "help"]
    assert body["help"]["mime"] == "text/html"
    assert body["help"]["filename"] == "api-help.html"
    assert section_ids(body["help"]["help"]) == ["paraminfo"]


def test_wrap_keeps_warnings(anon: ApiClient) -> None:
    body = anon.get(action="help", wrap="1", foo="1", formatversion="2")
    assert body["warnings"] == {"main": {"warnings": "Unrecognized parameter: foo."}}
    assert "help" in body


def test_unknown_module_is_an_error(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "help", "modules": "nosuch"})
    assert reply.headers["MediaWiki-API-Error"] == "badmodule"
    assert reply.json() == {"error": {
        "code": "badmodule", "info": "The module \"main\" does not have a submodule \"nosuch\".",
        "*": docref(anon.url)}}
    assert anon.get(action="help", modules="paraminfo+x", formatversion="2") == {"error": {
        "code": "badmodule", "info": "The module \"paraminfo\" has no submodules.",
        "docref": docref(anon.url)}}


def test_help_describes_itself(anon: ApiClient) -> None:
    reply = anon.get(action="paraminfo", modules="help", formatversion="2")
    module = reply["paraminfo"]["modules"][0]
    assert "readrights" not in module
    assert module["helpurls"] == [
        "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Main_page",
        "https://www.mediawiki.org/wiki/Special:MyLanguage/API:FAQ",
        "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Quick_start_guide"]
    assert module["parameters"] == [
        {"index": 1, "name": "modules", "type": "string", "required": False, "default": "main",
         "multi": True, "lowlimit": 50, "highlimit": 500, "limit": 50},
        {"index": 2, "name": "submodules", "type": "boolean", "required": False,
         "multi": False},
        {"index": 3, "name": "recursivesubmodules", "type": "boolean", "required": False,
         "multi": False},
        {"index": 4, "name": "wrap", "type": "boolean", "required": False, "multi": False},
        {"index": 5, "name": "toc", "type": "boolean", "required": False, "multi": False},
    ]
