"""prop=templates and generator=templates over HTTP (and prop=categoryinfo)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.page_helpers import LANGUAGE, edit, without
from tests.support import ApiClient, error_of
from wikiupload.api import registry
from wikiupload.wiki import Wiki

PYWIKIBOT_IIPROP = "timestamp|user|comment|url|size|sha1|mime|mediatype|archivename|bitdepth"
needs_imageinfo = pytest.mark.skipif(registry.get("query+imageinfo") is None,
                                     reason="prop=imageinfo is another module, not there yet")


def pywikibot_generator_query(client: ApiClient, title: str, **extra: Any) -> dict[str, Any]:
    """What pywikibot sends before an upload (botMayEdit: templates of the file page)."""
    return client.post(action="query", titles=title, prop="info|imageinfo|categoryinfo",
                       generator="templates", gtllimit="500", iilimit="max",
                       inprop="protection", iiprop=PYWIKIBOT_IIPROP, indexpageids="",
                       meta="userinfo", uiprop="blockinfo|hasmsg", maxlag="30", **extra)


def templates_of(client: ApiClient, title: str, **params: Any) -> list[str]:
    reply = client.get(action="query", titles=title, prop="templates", formatversion="2",
                       **params)
    return [t["title"] for t in reply["query"]["pages"][0].get("templates", [])]


def test_pywikibot_generator_without_templates(wiki: Wiki, anon: ApiClient) -> None:
    edit(wiki, "File:Refcapture 1.png", "Some [[description]] text")
    for title in ("File:Nope.png", "File:Refcapture_1.png"):
        reply = pywikibot_generator_query(anon, title)
        assert without(reply, "warnings", "limits") == {
            "batchcomplete": "", "query": {"userinfo": {"id": 0, "name": "127.0.0.1",
                                                        "anon": ""}}}
        fv2 = pywikibot_generator_query(anon, title, formatversion="2")
        assert fv2["batchcomplete"] is True
        assert list(fv2["query"]) == ["userinfo"]


@needs_imageinfo
@pytest.mark.parametrize("formatversion", ["1", "2"])
def test_capture_generator_without_templates(wiki: Wiki, anon: ApiClient,
                                             formatversion: str) -> None:
    """refcaptures file_missing_templates_generator / file_templates_generator."""
    edit(wiki, "File:Refcapture 1.png", "Some [[description]] text")
    for title in ("File:Nope.png", "File:Refcapture_1.png"):
        reply = anon.get(action="query", titles=title, prop="info|imageinfo|categoryinfo",
                         generator="templates", gtllimit="500", iilimit="max",
                         formatversion=formatversion)
        assert reply == {"batchcomplete": "" if formatversion == "1" else True,
                         "limits": {"imageinfo": 500}}


def test_generator_without_templates_exact(anon: ApiClient) -> None:
    reply = anon.get(action="query", titles="File:Nope.png", prop="info|categoryinfo",
                     generator="templates", gtllimit="max")
    assert reply == {"batchcomplete": "", "limits": {"templates": 500}}


def test_templates_found_in_wikitext(wiki: Wiki, anon: ApiClient) -> None:
    edit(wiki, "Template:Uses", "A {{{1}}} {{{named|{{UsesDefault}}}}} {{Sub}}"
         "<noinclude>{{DocOnly}}</noinclude><includeonly>{{IncOnly}}</includeonly>")
    edit(wiki, "File:Photo.jpg", "== Summary ==\n{{Information|description={{en|1=x}}}}\n"
         "{{Uses|{{Arg1}}}} {{:Main Page}} <!-- {{Hidden}} --> {{PAGENAME}} "
         "<nowiki>{{No}}</nowiki> {{#if:x|{{Inner}}}} {{Missing|{{NotExpanded}}}}")
    assert templates_of(anon, "File:Photo.jpg") == [
        "Main Page", "Template:Arg1", "Template:IncOnly", "Template:Information",
        "Template:Inner", "Template:Missing", "Template:Sub", "Template:Uses",
        "Template:UsesDefault"]


def test_output_shape_fv1(wiki: Wiki, anon: ApiClient) -> None:
    saved = edit(wiki, "Probe", "{{B}} {{a}} {{User:X/y}}")
    reply = anon.get(action="query", titles="Probe", prop="templates")
    assert reply == {"batchcomplete": "", "query": {"pages": {str(saved.page_id): {
        "pageid": saved.page_id, "ns": 0, "title": "Probe",
        "templates": [{"ns": 2, "title": "User:X/y"}, {"ns": 10, "title": "Template:A"},
                      {"ns": 10, "title": "Template:B"}]}}}}


def test_filters_direction_and_limit(wiki: Wiki, anon: ApiClient) -> None:
    saved = edit(wiki, "Probe", "{{A}} {{B}} {{C}} {{User:X}}")
    assert templates_of(anon, "Probe", tlnamespace="2") == ["User:X"]
    assert templates_of(anon, "Probe", tltemplates="Template:B|User:X|b") == [
        "User:X", "Template:B"]
    assert templates_of(anon, "Probe", tldir="descending") == [
        "Template:C", "Template:B", "Template:A", "User:X"]
    reply = anon.get(action="query", titles="Probe", prop="templates", tllimit="2",
                     formatversion="2")
    assert "batchcomplete" not in reply
    assert reply["continue"] == {"tlcontinue": f"{saved.page_id}|10|B", "continue": "||"}
    assert templates_of(anon, "Probe", tlcontinue=f"{saved.page_id}|10|B") == [
        "Template:B", "Template:C"]


def test_parameter_warnings(wiki: Wiki, anon: ApiClient) -> None:
    edit(wiki, "Probe", "{{A}}")
    reply = anon.get(action="query", titles="Probe", prop="templates",
                     tlnamespace="10|99|abc", tltemplates="Template:A|Bad<",
                     formatversion="2")
    assert reply["warnings"] == {"templates": {"warnings": (
        "Unrecognized values for parameter \"tlnamespace\": 99, abc\n"
        "\"Bad<\" is not a valid title.")}}
    assert reply["query"]["pages"][0]["templates"] == [{"ns": 10, "title": "Template:A"}]
    reply = anon.get(action="query", titles="Probe", prop="templates", tlcontinue="garbage")
    assert reply == error_of(anon.url, "badcontinue", "Invalid continue param. You should "
                             "pass the original value returned by the previous query.")


def test_generator_with_continuation(wiki: Wiki, anon: ApiClient) -> None:
    edit(wiki, "Template:Uses", "{{Sub}}")
    probe = edit(wiki, "Probe", "{{Uses}} {{Arg1}} {{IncOnly}}")
    reply = anon.get(action="query", titles="probe|Nope|File:<x>", generator="templates",
                     gtllimit="2", prop="info")
    assert reply["continue"] == {"gtlcontinue": f"{probe.page_id}|10|Sub",
                                 "continue": "gtlcontinue||"}
    assert reply["batchcomplete"] == ""
    missing = {"ns": 10, "missing": "", **LANGUAGE}
    assert reply["query"] == {"pages": {"-1": {**missing, "title": "Template:Arg1"},
                                        "-2": {**missing, "title": "Template:IncOnly"}}}
    rest = anon.get(action="query", titles="Probe", generator="templates", gtllimit="2",
                    gtlcontinue=reply["continue"]["gtlcontinue"], formatversion="2")
    assert [p["title"] for p in rest["query"]["pages"]] == ["Template:Sub", "Template:Uses"]
    assert "continue" not in rest


def test_prop_continuation_under_a_generator(wiki: Wiki, anon: ApiClient) -> None:
    edit(wiki, "Template:T1", "{{X1}} {{X2}}")
    edit(wiki, "Probe", "{{T1}}")
    reply = anon.get(action="query", titles="Probe", generator="templates",
                     prop="templates", tllimit="1", formatversion="2")
    assert "batchcomplete" not in reply
    assert reply["continue"] == {"tlcontinue": reply["continue"]["tlcontinue"],
                                 "continue": "||"}


def test_categoryinfo(wiki: Wiki, anon: ApiClient) -> None:
    edit(wiki, "Category:Empty", "empty")
    edit(wiki, "Category:Hidden", "__HIDDENCAT__")
    edit(wiki, "Probe", "x")
    pages = anon.get(action="query", titles="Category:Empty|Category:Hidden|Category:Nope|Probe",
                     prop="categoryinfo", formatversion="2")["query"]["pages"]
    info = {p["title"]: p.get("categoryinfo") for p in pages}
    assert info == {
        "Category:Nope": None, "Probe": None,
        "Category:Empty": {"size": 0, "pages": 0, "files": 0, "subcats": 0, "hidden": False},
        "Category:Hidden": {"size": 0, "pages": 0, "files": 0, "subcats": 0, "hidden": True}}
