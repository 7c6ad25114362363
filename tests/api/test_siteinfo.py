"""meta=siteinfo over real HTTP, compared with MediaWiki 1.39's answers for the same wiki."""

from __future__ import annotations

import json
from typing import Any

from tests.support import ApiClient
from wikiupload.api import registry

# Keys of siprop=general in the order MediaWiki sends them (fv2; fv1 drops false ones).
GENERAL_KEYS = [
    "mainpage", "base", "sitename", "mainpageisdomainroot", "logo", "generator", "dbtype",
    "dbversion", "imagewhitelistenabled", "langconversion", "linkconversion",
    "titleconversion", "linkprefixcharset", "linkprefix", "linktrail", "legaltitlechars",
    "invalidusernamechars", "allunicodefixes", "fixarabicunicode", "fixmalayalamunicode",
    "case", "lang", "fallback", "rtl", "fallback8bitEncoding", "readonly", "writeapi",
    "maxarticlesize", "timezone", "timeoffset", "articlepath", "scriptpath", "script",
    "variantarticlepath", "server", "servername", "wikiid", "time", "misermode",
    "uploadsenabled", "maxuploadsize", "minuploadchunksize", "galleryoptions", "thumblimits",
    "imagelimits", "favicon", "centralidlookupprovider", "allcentralidlookupproviders",
    "interwikimagic", "magiclinks", "categorycollation", "nofollowlinks",
    "nofollownsexceptions", "nofollowdomainexceptions", "externallinktarget",
]
FV1_DROPPED = {"mainpageisdomainroot", "imagewhitelistenabled", "allunicodefixes", "rtl",
               "readonly", "misermode", "externallinktarget"}
NAMESPACES_FV1 = {
    "-2": {"id": -2, "case": "first-letter", "canonical": "Media", "*": "Media"},
    "-1": {"id": -1, "case": "first-letter", "canonical": "Special", "*": "Special"},
    "0": {"id": 0, "case": "first-letter", "content": "", "*": ""},
    "1": {"id": 1, "case": "first-letter", "subpages": "", "canonical": "Talk", "*": "Talk"},
    "2": {"id": 2, "case": "first-letter", "subpages": "", "canonical": "User", "*": "User"},
    "3": {"id": 3, "case": "first-letter", "subpages": "", "canonical": "User talk",
          "*": "User talk"},
    "4": {"id": 4, "case": "first-letter", "subpages": "", "canonical": "Project",
          "*": "RefWiki"},
    "5": {"id": 5, "case": "first-letter", "subpages": "", "canonical": "Project talk",
          "*": "RefWiki talk"},
    "6": {"id": 6, "case": "first-letter", "canonical": "File", "*": "File"},
    "7": {"id": 7, "case": "first-letter", "subpages": "", "canonical": "File talk",
          "*": "File talk"},
    "8": {"id": 8, "case": "first-letter", "subpages": "", "canonical": "MediaWiki",
          "namespaceprotection": "editinterface", "*": "MediaWiki"},
    "9": {"id": 9, "case": "first-letter", "subpages": "", "canonical": "MediaWiki talk",
          "*": "MediaWiki talk"},
    "10": {"id": 10, "case": "first-letter", "subpages": "", "canonical": "Template",
           "*": "Template"},
    "11": {"id": 11, "case": "first-letter", "subpages": "", "canonical": "Template talk",
           "*": "Template talk"},
    "12": {"id": 12, "case": "first-letter", "subpages": "", "canonical": "Help", "*": "Help"},
    "13": {"id": 13, "case": "first-letter", "subpages": "", "canonical": "Help talk",
           "*": "Help talk"},
    "14": {"id": 14, "case": "first-letter", "canonical": "Category", "*": "Category"},
    "15": {"id": 15, "case": "first-letter", "subpages": "", "canonical": "Category talk",
           "*": "Category talk"},
}
SUBPAGES = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 15}


def namespaces_fv2() -> dict[str, Any]:
    """MediaWiki's fv2 namespaces: every flag present, ``name`` after ``case``."""
    out = {}
    for key, fv1 in NAMESPACES_FV1.items():
        ns = int(key)
        entry: dict[str, Any] = {"id": ns, "case": "first-letter", "name": fv1["*"],
                                 "subpages": ns in SUBPAGES}
        if ns != 0:
            entry["canonical"] = fv1["canonical"]
        entry.update({"content": ns == 0, "nonincludable": False})
        if ns == 8:
            entry["namespaceprotection"] = "editinterface"
        out[key] = entry
    return out


def siteinfo(client: ApiClient, **params: Any) -> dict[str, Any]:
    reply = client.get(action="query", meta="siteinfo", **params)
    assert "warnings" not in reply, reply["warnings"]
    return reply["query"]  # type: ignore[no-any-return]


def assert_exact(actual: Any, expected: Any) -> None:
    assert actual == expected
    assert json.dumps(actual) == json.dumps(expected)


def test_general_fv2(anon: ApiClient) -> None:
    general = siteinfo(anon, siprop="general", formatversion="2")["general"]
    assert list(general) == GENERAL_KEYS
    server = anon.url.removesuffix("/api.php")
    assert general["generator"] == "MediaWiki 1.39.17"
    assert general["sitename"] == "RefWiki"
    assert general["mainpage"] == "Main Page"
    assert general["base"] == f"{server}/wiki/Main_Page"
    assert general["server"] == server and general["servername"] == "127.0.0.1"
    assert general["articlepath"] == "/wiki/$1" and general["scriptpath"] == ""
    assert (general["case"], general["lang"], general["timezone"], general["timeoffset"]) == \
        ("first-letter", "en", "UTC", 0)
    assert general["uploadsenabled"] is True
    assert general["maxuploadsize"] == 5369757696
    assert general["minuploadchunksize"] == 1024
    assert general["variantarticlepath"] is False
    assert_exact(general["thumblimits"], {"0": 120, "1": 150, "2": 180, "3": 200, "4": 250,
                                          "5": 300})
    assert general["imagelimits"]["5"] == {"width": 2560, "height": 2048}
    assert_exact(general["magiclinks"], {"ISBN": False, "PMID": False, "RFC": False})
    assert_exact(general["galleryoptions"], {
        "imagesPerRow": 0, "imageWidth": 120, "imageHeight": 120, "captionLength": True,
        "showBytes": True, "showDimensions": True, "mode": "traditional"})


def test_general_fv1(anon: ApiClient) -> None:
    general = siteinfo(anon)["general"]    # siprop defaults to general
    assert list(general) == [k for k in GENERAL_KEYS if k not in FV1_DROPPED]
    assert general["uploadsenabled"] == "" and general["writeapi"] == ""
    assert general["variantarticlepath"] is False    # stays a real boolean in fv1
    assert general["thumblimits"] == [120, 150, 180, 200, 250, 300]
    assert general["imagelimits"][0] == {"width": 320, "height": 240}
    assert general["magiclinks"] == []
    assert general["galleryoptions"]["captionLength"] == ""


def test_uploads_disabled(wiki_factory: Any, app_holder: dict[str, Any],
                          api_url: str) -> None:
    app_holder["app"].state.wiki = wiki_factory(enable_uploads=False)
    client = ApiClient(api_url)
    try:
        assert "uploadsenabled" not in siteinfo(client)["general"]
        assert siteinfo(client, formatversion="2")["general"]["uploadsenabled"] is False
    finally:
        client.close()


def test_namespaces_fv1_and_fv2(anon: ApiClient) -> None:
    assert_exact(siteinfo(anon, siprop="namespaces")["namespaces"], NAMESPACES_FV1)
    assert_exact(siteinfo(anon, siprop="namespaces", formatversion="2")["namespaces"],
                 namespaces_fv2())


def test_aliases_extensions_and_fixed_tables(anon: ApiClient) -> None:
    fv1 = siteinfo(anon, siprop="namespacealiases|fileextensions|extensions|rightsinfo|"
                                "restrictions|magicwords")
    assert_exact(fv1, {
        "namespacealiases": [{"id": 6, "*": "Image"}, {"id": 7, "*": "Image talk"}],
        "fileextensions": [{"ext": e} for e in ("png", "gif", "jpg", "jpeg", "webp", "svg",
                                                 "pdf", "txt", "ogg")],
        "extensions": [],
        "rightsinfo": {"url": "", "text": ""},
        "restrictions": {"types": ["create", "edit", "move", "upload"],
                         "levels": ["", "autoconfirmed", "sysop"],
                         "cascadinglevels": ["sysop"], "semiprotectedlevels": ["autoconfirmed"]},
        "magicwords": []})
    fv2 = siteinfo(anon, siprop="namespacealiases", formatversion="2")
    assert fv2["namespacealiases"] == [{"id": 6, "alias": "Image"},
                                       {"id": 7, "alias": "Image talk"}]


def test_usergroups(anon: ApiClient) -> None:
    groups = siteinfo(anon, siprop="usergroups")["usergroups"]
    by_name = {g["name"]: g for g in groups}
    assert [g["name"] for g in groups][:5] == ["*", "user", "autoconfirmed", "bot", "sysop"]
    assert by_name["uploader"] == {"name": "uploader", "rights": [
        "upload", "reupload", "reupload-own", "reupload-shared", "upload_by_url"]}
    assert "upload" not in by_name["user"]["rights"]     # revoked by the wiki's settings
    assert by_name["sysop"]["rights"][-1] == "upload_by_url"
    numbered = {g["name"]: g for g in siteinfo(anon, siprop="usergroups",
                                               sinumberingroup="1")["usergroups"]}
    assert "number" not in numbered["*"] and "number" not in numbered["autoconfirmed"]
    assert (numbered["user"]["number"], numbered["sysop"]["number"],
            numbered["uploader"]["number"], numbered["bot"]["number"]) == (3, 1, 2, 0)
    assert list(numbered["user"]) == ["name", "rights", "number"]


def test_statistics_languages_and_the_rest(anon: ApiClient) -> None:
    query = siteinfo(anon, siprop="statistics|languages|specialpagealiases|dbrepllag|"
                                  "protocols|uploaddialog")
    assert_exact(query["statistics"], {"pages": 0, "articles": 0, "edits": 0, "images": 0,
                                       "users": 3, "activeusers": 0, "admins": 1, "jobs": 0})
    assert {"code": "en", "bcp47": "en", "*": "English"} in query["languages"]
    assert {"realname": "Upload", "aliases": ["Upload"]} in query["specialpagealiases"]
    assert query["dbrepllag"] == [{"host": "", "lag": -1}]
    assert query["protocols"][:2] == ["bitcoin:", "ftp://"] and query["protocols"][-1] == "//"
    assert query["uploaddialog"]["fields"] == {"description": ""}
    fv2 = siteinfo(anon, siprop="languages|uploaddialog", formatversion="2")
    assert {"code": "en", "bcp47": "en", "name": "English"} in fv2["languages"]
    assert fv2["uploaddialog"]["fields"] == {"description": True, "date": False,
                                             "categories": False}


def test_unknown_siprop_is_a_warning(anon: ApiClient) -> None:
    one = anon.get(action="query", meta="siteinfo", siprop="fileextensions|foo")
    assert one["warnings"] == {"siteinfo": {"*": "Unrecognized value for parameter "
                                                 "\"siprop\": foo"}}
    assert "fileextensions" in one["query"]
    two = anon.get(action="query", meta="siteinfo", siprop="foo|bar", formatversion="2")
    assert two["warnings"] == {"siteinfo": {"warnings": "Unrecognized values for parameter "
                                                        "\"siprop\": foo, bar"}}


def test_repeated_meta_values(anon: ApiClient) -> None:
    """mwclient adds its own meta=userinfo to every query: meta=siteinfo|userinfo|userinfo."""
    reply = anon.get(action="query", meta="siteinfo|userinfo|userinfo",
                     siprop="general|namespaces", uiprop="groups|rights|blockinfo|hasmsg",
                     **{"continue": ""})
    assert "error" not in reply
    query = reply["query"]
    assert query["general"]["generator"] == "MediaWiki 1.39.17"
    assert query["namespaces"]["6"]["*"] == "File"
    if registry.get("query+userinfo") is not None:
        assert "warnings" not in reply
        assert query["userinfo"]["id"] == 0 and query["userinfo"]["anon"] == ""
    twice = anon.get(action="query", meta="siteinfo|siteinfo", siprop="general|general")
    assert list(twice["query"]) == ["general"] and "warnings" not in twice


def test_pywikibot_siteinfo_request(anon: ApiClient) -> None:
    """What pywikibot reads (fv2): lists it converts, booleans it tests."""
    query = siteinfo(anon, siprop="namespaces|namespacealiases|general", formatversion="2")
    general = query["general"]
    for key in ("thumblimits", "imagelimits", "magiclinks"):
        assert isinstance(general[key], dict)
    version = general["generator"].split(" ")[1]
    assert tuple(int(p) for p in version.split(".")) >= (1, 31)
    assert all({"id", "name", "case"} <= set(ns) for ns in query["namespaces"].values())
    assert all("canonical" in ns for key, ns in query["namespaces"].items() if key != "0")


def test_siteinfo_paraminfo_matches_mediawiki(anon: ApiClient) -> None:
    reply = anon.get(action="paraminfo", modules="query+siteinfo", formatversion="2")
    module = reply["paraminfo"]["modules"][0]
    assert (module["classname"], module["group"], module["prefix"], module["readrights"]) == \
        ("ApiQuerySiteinfo", "meta", "si", True)
    assert_exact(module["parameters"], [
        {"index": 1, "name": "prop", "type": [
            "dbrepllag", "defaultoptions", "extensions", "extensiontags", "fileextensions",
            "functionhooks", "general", "interwikimap", "languages", "languagevariants",
            "libraries", "magicwords", "namespacealiases", "namespaces", "protocols",
            "restrictions", "rightsinfo", "showhooks", "skins", "specialpagealiases",
            "statistics", "uploaddialog", "usergroups", "variables"],
         "required": False, "default": "general", "multi": True, "lowlimit": 50,
         "highlimit": 500, "limit": 50},
        {"index": 2, "name": "filteriw", "type": ["!local", "local"], "required": False,
         "multi": False},
        {"index": 3, "name": "showalldb", "type": "boolean", "required": False, "multi": False},
        {"index": 4, "name": "numberingroup", "type": "boolean", "required": False,
         "multi": False},
        {"index": 5, "name": "inlanguagecode", "type": "string", "required": False,
         "multi": False}])
