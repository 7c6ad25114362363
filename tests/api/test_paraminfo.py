"""action=paraminfo over real HTTP, compared with the shapes MediaWiki 1.39 sends.

The expectations below are copied from responses of the reference MediaWiki. Modules
declared here (``pitest*``) repeat the declarations of real modules so that their paraminfo
can be compared field by field, whatever modules the server has registered so far.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ADMIN_BOT_PASSWORD
from tests.support import ApiClient
from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.main import MainModule
from wikiupload.api.module import ApiModule
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule

MW = "https://www.mediawiki.org/wiki/Special:MyLanguage/"
NOSUCH_FV1 = {"warnings": {"paraminfo": {
    "*": "The module \"main\" does not have a submodule \"nosuch\"."}},
    "paraminfo": {"helpformat": "none"}}
NOSUCH_FV2 = {"warnings": {"paraminfo": {
    "warnings": "The module \"main\" does not have a submodule \"nosuch\"."}},
    "paraminfo": {"helpformat": "none"}}


class _Declared(ApiModule):
    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        """Only declarations matter here."""


class PiTestUpload(_Declared):
    """Declares what MediaWiki's ApiUpload declares."""

    name = "pitestupload"
    class_name = "ApiUpload"
    needs_token = "csrf"
    must_post = True
    write_mode = True
    help_url = MW + "API:Upload"
    description = "Upload a file.\n\nSeveral methods are available."
    examples = (("action=upload&filename=Wiki.png&filekey=filekey&ignorewarnings=1&token=123ABC",
                 "Complete an upload that failed due to warnings."),)
    params = (
        Param("filename", help="Target filename."),
        Param("comment", default="", help="Upload comment."),
        Param("tags", "tags", multi=True),
        Param("text", "text"),
        Param("watch", "boolean", default=False, deprecated=True),
        Param("watchlist", ("watch", "preferences", "nochange"), default="preferences"),
        Param("ignorewarnings", "boolean", default=False),
        Param("file", "upload"),
        Param("url"),
        Param("filekey"),
        Param("sessionkey", deprecated=True),
        Param("stash", "boolean", default=False),
        Param("filesize", "integer", min=0, max=5369757696),
        Param("offset", "integer", min=0),
        Param("chunk", "upload"),
        Param("async", "boolean", default=False),
        Param("checkstatus", "boolean", default=False),
    )


class PiTestTokens(QuerySubmodule):
    name = "pitesttokens"
    class_name = "ApiQueryTokens"
    read_rights = False
    help_url = MW + "API:Tokens"
    params = (Param("type", ("createaccount", "csrf", "login", "patrol", "rollback",
                             "userrights", "watch"), default="csrf", multi=True, allow_all=True),)

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        """Only declarations matter here."""


class PiTestLogin(_Declared):
    name = "pitestlogin"
    class_name = "ApiLogin"
    prefix = "lg"
    read_rights = False
    write_mode = True
    must_post = True
    help_url = MW + "API:Login"
    params = (Param("name"), Param("password", "password"), Param("domain"),
              Param("token", sensitive=True))


class PiTestList(QuerySubmodule):
    """A generator list module with the less common parameter kinds."""

    name = "pitestlist"
    group = "list"
    prefix = "pt"
    generator = True
    deprecated = True
    params = (
        Param("user", "user", user_types=("name", "ip", "interwiki", "id")),
        Param("prop", ("b", "a", "old"), default=("a", "b"), multi=True,
              deprecated_values=frozenset({"old"})),
        Param("limit", "limit", default=10, min=1, max=500, highmax=5000),
        Param("page", "title"),
        Param("dupes", multi=True, allow_duplicates=True),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        """Only declarations matter here."""


TEST_MODULES = (PiTestUpload, PiTestTokens, PiTestLogin, PiTestList)


@pytest.fixture
def test_modules() -> Iterator[None]:
    for cls in TEST_MODULES:
        registry.register(cls)
    yield
    for cls in TEST_MODULES:
        registry.unregister(cls)


def licenselink(client: ApiClient) -> str:
    return client.url.removesuffix("/api.php") + "/wiki/Special:Version/License/MediaWiki"


def head(client: ApiClient, name: str, path: str, group: str | None, classname: str,
         prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "classname": classname, "path": path}
    if group is not None:
        out["group"] = group
    out.update({"prefix": prefix, "source": "MediaWiki", "sourcename": "MediaWiki",
                "licensetag": "GPL-2.0-or-later", "licenselink": licenselink(client)})
    return out


def only_module(reply: dict[str, Any]) -> dict[str, Any]:
    modules = reply["paraminfo"]["modules"]
    assert len(modules) == 1
    return modules[0]  # type: ignore[no-any-return]


def assert_exact(actual: Any, expected: Any) -> None:
    """Equal, and with keys in the same order (the wire order)."""
    assert actual == expected
    assert json.dumps(actual) == json.dumps(expected)


def by_path(reply: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["path"]: m for m in reply["paraminfo"].get("modules", [])}


def param(module: dict[str, Any], name: str) -> dict[str, Any]:
    found = [p for p in module["parameters"] if p["name"] == name]
    assert len(found) == 1, f"{module['path']} has no single parameter {name}"
    return found[0]  # type: ignore[no-any-return]


# -- MediaWiki's own shapes -------------------------------------------------------------------

UPLOAD_PARAMS_FV2: list[dict[str, Any]] = [
    {"index": 1, "name": "filename", "type": "string", "required": False, "multi": False},
    {"index": 2, "name": "comment", "type": "string", "required": False, "default": "",
     "multi": False},
    {"index": 3, "name": "tags", "type": [], "required": False, "multi": True, "lowlimit": 50,
     "highlimit": 500, "limit": 50},
    {"index": 4, "name": "text", "type": "text", "required": False, "multi": False},
    {"index": 5, "name": "watch", "type": "boolean", "required": False, "deprecated": True,
     "multi": False},
    {"index": 6, "name": "watchlist", "type": ["nochange", "preferences", "watch"],
     "required": False, "default": "preferences", "multi": False},
    {"index": 7, "name": "ignorewarnings", "type": "boolean", "required": False,
     "multi": False},
    {"index": 8, "name": "file", "type": "upload", "required": False, "multi": False},
    {"index": 9, "name": "url", "type": "string", "required": False, "multi": False},
    {"index": 10, "name": "filekey", "type": "string", "required": False, "multi": False},
    {"index": 11, "name": "sessionkey", "type": "string", "required": False, "deprecated": True,
     "multi": False},
    {"index": 12, "name": "stash", "type": "boolean", "required": False, "multi": False},
    {"index": 13, "name": "filesize", "type": "integer", "required": False, "multi": False,
     "min": 0, "max": 5369757696},
    {"index": 14, "name": "offset", "type": "integer", "required": False, "multi": False,
     "min": 0},
    {"index": 15, "name": "chunk", "type": "upload", "required": False, "multi": False},
    {"index": 16, "name": "async", "type": "boolean", "required": False, "multi": False},
    {"index": 17, "name": "checkstatus", "type": "boolean", "required": False, "multi": False},
    {"index": 18, "name": "token", "type": "string", "required": True, "sensitive": True,
     "multi": False, "tokentype": "csrf"},
]
UPLOAD_PARAMS_FV1: list[dict[str, Any]] = [
    {"index": 1, "name": "filename", "type": "string"},
    {"index": 2, "name": "comment", "type": "string", "default": ""},
    {"index": 3, "name": "tags", "type": [], "multi": "", "lowlimit": 50, "highlimit": 500,
     "limit": 50},
    {"index": 4, "name": "text", "type": "text"},
    {"index": 5, "name": "watch", "type": "boolean", "deprecated": ""},
    {"index": 6, "name": "watchlist", "type": ["nochange", "preferences", "watch"],
     "default": "preferences"},
    {"index": 7, "name": "ignorewarnings", "type": "boolean"},
    {"index": 8, "name": "file", "type": "upload"},
    {"index": 9, "name": "url", "type": "string"},
    {"index": 10, "name": "filekey", "type": "string"},
    {"index": 11, "name": "sessionkey", "type": "string", "deprecated": ""},
    {"index": 12, "name": "stash", "type": "boolean"},
    {"index": 13, "name": "filesize", "type": "integer", "min": 0, "max": 5369757696},
    {"index": 14, "name": "offset", "type": "integer", "min": 0},
    {"index": 15, "name": "chunk", "type": "upload"},
    {"index": 16, "name": "async", "type": "boolean"},
    {"index": 17, "name": "checkstatus", "type": "boolean"},
    {"index": 18, "name": "token", "type": "string", "required": "", "sensitive": "",
     "tokentype": "csrf"},
]


def test_upload_declarations_give_mediawikis_paraminfo_fv2(anon: ApiClient,
                                                           test_modules: None) -> None:
    reply = anon.get(action="paraminfo", modules="pitestupload", formatversion="2")
    expected = head(anon, "pitestupload", "pitestupload", "action", "ApiUpload") | {
        "readrights": True, "writerights": True, "mustbeposted": True,
        "helpurls": [MW + "API:Upload"], "parameters": UPLOAD_PARAMS_FV2,
        "templatedparameters": []}
    assert_exact(reply, {"paraminfo": {"helpformat": "none", "modules": [expected]}})


def test_upload_declarations_give_mediawikis_paraminfo_fv1(anon: ApiClient,
                                                           test_modules: None) -> None:
    module = only_module(anon.post(action="paraminfo", modules="pitestupload"))
    expected = head(anon, "pitestupload", "pitestupload", "action", "ApiUpload") | {
        "readrights": "", "writerights": "", "mustbeposted": "",
        "helpurls": [MW + "API:Upload"], "parameters": UPLOAD_PARAMS_FV1,
        "templatedparameters": []}
    assert_exact(module, expected)


def test_tokens_and_login_declarations(anon: ApiClient, test_modules: None) -> None:
    reply = anon.get(action="paraminfo", modules="query+pitesttokens|pitestlogin",
                     formatversion="2")
    tokens, login = reply["paraminfo"]["modules"]
    assert_exact(tokens, head(anon, "pitesttokens", "query+pitesttokens", "meta",
                              "ApiQueryTokens") | {
        "helpurls": [MW + "API:Tokens"],
        "parameters": [{"index": 1, "name": "type", "type": [
            "createaccount", "csrf", "login", "patrol", "rollback", "userrights", "watch"],
            "required": False, "default": "csrf", "multi": True, "lowlimit": 50,
            "highlimit": 500, "limit": 50, "allspecifier": "*"}],
        "templatedparameters": []})
    assert_exact(login, head(anon, "pitestlogin", "pitestlogin", "action", "ApiLogin", "lg") | {
        "writerights": True, "mustbeposted": True, "helpurls": [MW + "API:Login"],
        "parameters": [
            {"index": 1, "name": "name", "type": "string", "required": False, "multi": False},
            {"index": 2, "name": "password", "type": "password", "required": False,
             "sensitive": True, "multi": False},
            {"index": 3, "name": "domain", "type": "string", "required": False, "multi": False},
            {"index": 4, "name": "token", "type": "string", "required": False,
             "sensitive": True, "multi": False}],
        "templatedparameters": []})


def test_less_common_parameter_kinds(anon: ApiClient, test_modules: None) -> None:
    module = only_module(anon.get(action="paraminfo", modules="query+pitestlist",
                                  formatversion="2"))
    assert_exact({k: module[k] for k in ("group", "prefix", "deprecated", "readrights",
                                          "generator")},
                 {"group": "list", "prefix": "pt", "deprecated": True, "readrights": True,
                  "generator": True})
    assert list(module)[list(module).index("licenselink") + 1] == "deprecated"
    user, prop, limit, page, dupes = module["parameters"]
    assert user["subtypes"] == ["name", "ip", "interwiki", "id"]
    assert_exact(prop, {"index": 2, "name": "prop", "type": ["a", "b", "old"],
                        "required": False, "default": "a|b", "multi": True, "lowlimit": 50,
                        "highlimit": 500, "limit": 50, "deprecatedvalues": ["old"]})
    assert_exact(limit, {"index": 3, "name": "limit", "type": "limit", "required": False,
                         "default": 10, "multi": False, "min": 1, "max": 500,
                         "highmax": 5000})
    assert page["type"] == "title" and page["mustExist"] is False
    assert dupes["allowsduplicates"] is True


# -- main, paraminfo and query (pywikibot's first request) ------------------------------------

MAIN_PARAMS = ["action", "format", "maxlag", "smaxage", "maxage", "assert", "assertuser",
               "requestid", "servedby", "curtimestamp", "responselanginfo", "origin", "uselang",
               "variant", "errorformat", "errorlang", "errorsuselocal"]
QUERY_PARAMS = ["prop", "list", "meta", "indexpageids", "export", "exportnowrap",
                "exportschema", "iwurl", "continue", "rawcontinue", "titles", "pageids",
                "revids", "generator", "redirects", "converttitles"]


def test_main_module_shape(anon: ApiClient) -> None:
    main = only_module(anon.get(action="paraminfo", modules="main", formatversion="2"))
    assert list(main) == ["name", "classname", "path", "prefix", "source", "sourcename",
                          "licensetag", "licenselink", "helpurls", "parameters",
                          "templatedparameters"]
    assert main["helpurls"] == []
    assert [p["name"] for p in main["parameters"]] == MAIN_PARAMS
    action = param(main, "action")
    assert action["type"] == sorted(registry.modules_in_group("action"))
    assert action["submodules"] == {name: name for name in action["type"]}
    assert action["default"] == "help"
    assert_exact(param(main, "errorformat"), {
        "index": 15, "name": "errorformat",
        "type": ["bc", "html", "none", "plaintext", "raw", "wikitext"], "required": False,
        "default": "bc", "multi": False})
    assert_exact(param(main, "servedby"), {"index": 9, "name": "servedby", "type": "boolean",
                                           "required": False, "multi": False})


def test_paraminfo_module_describes_itself(anon: ApiClient) -> None:
    module = only_module(anon.get(action="paraminfo", modules="paraminfo", formatversion="2"))
    query_names = sorted(n for g in ("prop", "list", "meta")
                         for n in registry.modules_in_group(g))
    formats = sorted(registry.modules_in_group("format"))
    limits = {"lowlimit": 50, "highlimit": 500, "limit": 50}
    assert_exact(module, head(anon, "paraminfo", "paraminfo", "action", "ApiParamInfo") | {
        "helpurls": [MW + "API:Parameter_information"],
        "parameters": [
            {"index": 1, "name": "modules", "type": "string", "required": False,
             "multi": True} | limits,
            {"index": 2, "name": "helpformat", "type": ["html", "none", "raw", "wikitext"],
             "required": False, "default": "none", "multi": False},
            {"index": 3, "name": "querymodules", "type": query_names, "required": False,
             "deprecated": True, "multi": True} | limits,
            {"index": 4, "name": "mainmodule", "type": "string", "required": False,
             "deprecated": True, "multi": False},
            {"index": 5, "name": "pagesetmodule", "type": "string", "required": False,
             "deprecated": True, "multi": False},
            {"index": 6, "name": "formatmodules", "type": formats, "required": False,
             "deprecated": True, "multi": True} | limits],
        "templatedparameters": []})


PYWIKIBOT_CALLS = ("query+tokens", "query+templates", "query+info|query+revisions",
                   "query+imageinfo")


def _check_query_module(query: dict[str, Any]) -> set[str]:
    """pywikibot's checks of action=query; returns the query submodule names."""
    assert [p["name"] for p in query["parameters"]] == QUERY_PARAMS
    names: set[str] = set()
    for group in ("prop", "list", "meta"):
        group_param = param(query, group)
        assert group_param["limit"] == 50 and group_param["multi"] == ""
        assert isinstance(group_param["type"], list)
        assert set(group_param["submodules"]) == set(group_param["type"])
        assert all(path == f"query+{name}" for name, path in group_param["submodules"].items())
        names |= set(group_param["submodules"])
    generator = param(query, "generator")
    assert set(generator["type"]) <= names
    assert set(generator["submodules"]) == set(generator["type"])
    return names


def _check_described(module: dict[str, Any]) -> None:
    assert {"name", "path", "prefix", "parameters"} <= set(module)
    for index, entry in enumerate(module["parameters"], 1):
        assert entry["index"] == index
        assert isinstance(entry["name"], str) and entry["name"]
        assert isinstance(entry["type"], (str, list))


def test_pywikibot_startup_walk(anon: ApiClient, test_modules: None) -> None:
    """The paraminfo requests pywikibot sends at start-up, as it sends them (POST, fv1)."""
    first = by_path(anon.post(action="paraminfo", modules="main|paraminfo|query"))
    assert set(first) == {"main", "paraminfo", "query"}
    action_modules = set(param(first["main"], "action")["type"])
    assert action_modules == set(registry.modules_in_group("action"))
    assert {"help", "paraminfo", "query", "pitestupload"} <= action_modules
    query_modules = _check_query_module(first["query"])
    assert "pitesttokens" in query_modules
    for module in first.values():
        _check_described(module)
    for call in PYWIKIBOT_CALLS:
        reply = anon.post(action="paraminfo", modules=call)
        found = by_path(reply)
        warnings = reply.get("warnings", {}).get("paraminfo", {}).get("*", "")
        for path in call.split("|"):
            if registry.get(path) is None:
                name = path.split("+")[1]
                assert f"The module \"query\" does not have a submodule \"{name}\"." \
                    in warnings
                continue
            _check_described(found[path])
            assert found[path]["group"] in ("prop", "list", "meta")
        if "query+tokens" in found:
            assert set(param(found["query+tokens"], "type")["type"]) >= {"csrf", "login"}


def test_every_registered_module_is_described(anon: ApiClient) -> None:
    reply = anon.get(action="paraminfo", modules="**", formatversion="2")
    described = by_path(reply)
    expected = [cls.path() for cls in registry.all_modules().values()]
    assert sorted(described) == sorted(expected)
    assert "warnings" not in reply
    for module in described.values():
        _check_described(module)
        for entry in module["parameters"]:
            assert isinstance(entry["required"], bool) and isinstance(entry["multi"], bool)


# -- module lists, unknown modules, legacy parameters -----------------------------------------

def test_unknown_module_is_a_warning(anon: ApiClient) -> None:
    assert_exact(anon.get(action="paraminfo", modules="nosuch"), NOSUCH_FV1)
    assert_exact(anon.get(action="paraminfo", modules="nosuch", formatversion="2"),
                 NOSUCH_FV2)


def test_bad_submodule_paths(anon: ApiClient) -> None:
    reply = anon.get(action="paraminfo", modules="nosuch|paraminfo+*|query+nosuch",
                     formatversion="2")
    assert_exact(reply, {"warnings": {"paraminfo": {"warnings": "\n".join([
        "The module \"paraminfo\" has no submodules.",
        "The module \"main\" does not have a submodule \"nosuch\".",
        "The module \"query\" does not have a submodule \"nosuch\"."])}},
        "paraminfo": {"helpformat": "none"}})


def test_raw_errorformat_warning_codes(anon: ApiClient) -> None:
    reply = anon.get(action="paraminfo", modules="nosuch|paraminfo+*", errorformat="raw",
                     formatversion="2")
    assert reply["warnings"] == [
        {"code": "badmodule", "key": "apierror-badmodule-nosubmodules",
         "params": ["paraminfo"], "module": "paraminfo"},
        {"code": "badmodule", "key": "apierror-badmodule-badsubmodule",
         "params": ["main", "nosuch"], "module": "paraminfo"}]


def test_wildcards_list_modules_sorted(anon: ApiClient, test_modules: None) -> None:
    every = [m["path"] for m in anon.get(action="paraminfo", modules="*",
                                         formatversion="2")["paraminfo"]["modules"]]
    tops = [*registry.modules_in_group("action"), *registry.modules_in_group("format")]
    assert every == sorted(tops)
    query = [m["path"] for m in anon.get(action="paraminfo", modules="query+*",
                                         formatversion="2")["paraminfo"]["modules"]]
    assert "query+pitesttokens" in query and "query+pitestlist" in query
    assert query == sorted(query) and all(p.startswith("query+") for p in query)


def test_repeated_modules_are_described_once(anon: ApiClient) -> None:
    reply = anon.get(action="paraminfo", modules="main|main|query", formatversion="2")
    assert [m["path"] for m in reply["paraminfo"]["modules"]] == ["main", "query"]


def test_legacy_parameters(anon: ApiClient, test_modules: None) -> None:
    reply = anon.get(action="paraminfo", querymodules="pitesttokens|nosuch", mainmodule="1",
                     pagesetmodule="1", formatmodules="json", formatversion="2")
    assert list(reply["warnings"]) == ["main", "paraminfo"]
    assert reply["warnings"]["main"]["warnings"].startswith(
        "Subscribe to the mediawiki-api-announce mailing list")
    assert reply["warnings"]["paraminfo"]["warnings"].split("\n") == [
        "The parameter \"querymodules\" has been deprecated.",
        "Unrecognized value for parameter \"querymodules\": nosuch",
        "The parameter \"mainmodule\" has been deprecated.",
        "The parameter \"pagesetmodule\" has been deprecated.",
        "The parameter \"formatmodules\" has been deprecated."]
    info = reply["paraminfo"]
    assert list(info) == ["helpformat", "querymodules", "formatmodules", "mainmodule",
                          "pagesetmodule"]
    assert info["querymodules"][0]["path"] == "query+pitesttokens"
    assert info["querymodules"][0]["querytype"] == "meta"
    assert info["formatmodules"][0]["path"] == "json"
    assert info["mainmodule"]["path"] == "main"
    pageset = info["pagesetmodule"]
    assert "name" not in pageset and pageset["classname"] == "ApiPageSet"
    assert pageset["readrights"] is True and pageset["helpurls"] == []
    assert [p["name"] for p in pageset["parameters"]] == [
        "titles", "pageids", "revids", "generator", "redirects", "converttitles"]


def test_query_submodule_given_with_modules_and_querymodules(anon: ApiClient,
                                                             test_modules: None) -> None:
    reply = anon.get(action="paraminfo", modules="query+pitesttokens",
                     querymodules="pitesttokens", formatversion="2")
    assert list(reply["paraminfo"]) == ["helpformat", "querymodules"]


# -- help texts ------------------------------------------------------------------------------

def test_helpformat_wikitext(anon: ApiClient, test_modules: None) -> None:
    module = only_module(anon.post(action="paraminfo", modules="pitestupload",
                                   helpformat="wikitext"))
    keys = list(module)
    assert keys[keys.index("licenselink") + 1] == "description"
    assert module["description"] == "Upload a file.\n\nSeveral methods are available."
    assert module["examples"] == [{
        "query": "action=upload&filename=Wiki.png&filekey=filekey&ignorewarnings=1&token=123ABC",
        "description": "Complete an upload that failed due to warnings."}]
    filename = module["parameters"][0]
    assert list(filename)[:4] == ["index", "name", "description", "type"]
    assert filename["description"] == "Target filename."
    assert module["parameters"][-1]["description"] == (
        "A \"csrf\" token retrieved from action=query&meta=tokens")


def test_helpformat_html_and_raw(anon: ApiClient, test_modules: None) -> None:
    html_module = only_module(anon.get(action="paraminfo", modules="pitestupload",
                                       helpformat="html", formatversion="2"))
    assert html_module["description"] == (
        "<p>Upload a file.\n</p>\n<p>Several methods are available.\n</p>")
    assert html_module["parameters"][-1]["description"] == (
        "A \"csrf\" token retrieved from action=query&amp;meta=tokens")
    raw = only_module(anon.get(action="paraminfo", modules="pitestupload", helpformat="raw",
                               formatversion="2"))
    args = ["", "pitestupload", "pitestupload"]
    assert raw["description"] == [
        {"key": "apihelp-pitestupload-summary", "params": args},
        {"key": "apihelp-pitestupload-extended-description", "params": args}]
    assert raw["parameters"][0]["description"] == [
        {"key": "apihelp-pitestupload-param-filename",
         "params": ["", "filename", "pitestupload", "pitestupload"]}]
    assert raw["parameters"][-1]["description"] == [
        {"key": "api-help-param-token",
         "params": ["csrf", "", "token", "pitestupload", "pitestupload"]}]
    assert raw["examples"][0]["description"]["key"] == "apihelp-pitestupload-example-1"


def test_helpformat_html_lists_submodules(anon: ApiClient) -> None:
    main = only_module(anon.get(action="paraminfo", modules="main", helpformat="html",
                                formatversion="2"))
    description = param(main, "action")["description"]
    assert "<dl>" in description and "action=help&amp;modules=query" in description


def test_high_limits_for_users_with_apihighlimits(wiki: Any, api_url: str) -> None:
    if registry.get("login") is None or registry.get("query+tokens") is None:
        pytest.skip("the login and tokens modules are not available yet")
    client = ApiClient(api_url)
    try:
        client.login("Admin@bot", ADMIN_BOT_PASSWORD)
        modules = param(only_module(client.get(action="paraminfo", modules="paraminfo")),
                        "modules")
        assert (modules["lowlimit"], modules["highlimit"], modules["limit"]) == (50, 500, 500)
    finally:
        client.close()


def test_the_main_parameters_follow_the_registered_modules(anon: ApiClient) -> None:
    """The main module's parameters are built once, until a module is registered."""
    assert MainModule.main_params() is MainModule.main_params()
    registry.register(PiTestUpload)
    try:
        assert "pitestupload" in MainModule.main_params()[0].submodules
        reply = anon.get(action="pitestupload", format="json")
        assert reply["error"]["code"] != "badvalue", reply     # a known action now
    finally:
        registry.unregister(PiTestUpload)
    assert "pitestupload" not in MainModule.main_params()[0].submodules
    assert anon.get(action="pitestupload", format="json")["error"]["code"] == "badvalue"
