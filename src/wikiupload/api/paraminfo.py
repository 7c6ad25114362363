"""action=paraminfo: every module described from its declarations, as ApiParamInfo does.

The same descriptions feed ``action=help`` (help.py): module lookup by path, submodule lists,
the per-parameter facts and the rendering of declared help texts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any
from urllib.parse import quote

from wikiupload.api import registry
from wikiupload.api.context import ApiContext, Warning_
from wikiupload.api.main import MainModule
from wikiupload.api.module import ApiModule
from wikiupload.api.params import Param
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message

HELP_FORMATS = ("html", "none", "raw", "wikitext")
QUERY_GROUPS = ("prop", "list", "meta")
PAGESET_PARAMS = ("titles", "pageids", "revids", "generator", "redirects", "converttitles")
NUMERIC_TYPES = ("integer", "limit")
# UserDef's accepted kinds when a "user" parameter does not narrow them.
DEFAULT_USER_TYPES = ("name", "ip", "cidr", "interwiki")

ModuleClass = type[ApiModule]


# -- finding modules -------------------------------------------------------------------------

def module_class(path: str) -> ModuleClass | None:
    return MainModule if path == "main" else registry.get(path)


def submodules_of(cls: ModuleClass) -> dict[str, str]:
    """Name -> path of the modules a module dispatches to (from its submodule parameters)."""
    found: dict[str, str] = {}
    for param in cls.all_params():
        if param.submodules:
            found.update(param.submodules)
    return found


def resolve(path: str) -> ModuleClass:
    """The module at a path such as ``upload`` or ``query+tokens``; ApiError badmodule if none."""
    cls: ModuleClass = MainModule
    if path == "main":
        return cls
    parts = path.split("+") if "+" in path else path.split(" ")
    for part in parts:
        children = submodules_of(cls)
        if not children:
            raise ApiError("apierror-badmodule-nosubmodules", cls.path(), code="badmodule")
        found = module_class(children[part]) if part in children else None
        if found is None:
            raise ApiError("apierror-badmodule-badsubmodule", cls.path(), part,
                           code="badmodule")
        cls = found
    return cls


def list_submodules(cls: ModuleClass, recursive: bool) -> list[str]:
    """Paths of a module's submodules, sorted by name, depth first when recursive."""
    paths: list[str] = []
    for _name, path in sorted(submodules_of(cls).items()):
        child = module_class(path)
        if child is None:
            continue
        paths.append(child.path())
        if recursive:
            paths.extend(list_submodules(child, recursive))
    return paths


def class_name(cls: ModuleClass) -> str:
    if cls.class_name:
        return cls.class_name
    base = "ApiQuery" if cls.group in QUERY_GROUPS else "Api"
    return base + cls.name[:1].upper() + cls.name[1:]


def help_urls(cls: ModuleClass, for_paraminfo: bool = False) -> list[str]:
    """The main module's link is part of its description, not of paraminfo's helpurls."""
    if for_paraminfo and cls is MainModule:
        return []
    return ([cls.help_url] if cls.help_url else []) + list(cls.more_help_urls)


def summary(cls: ModuleClass) -> str:
    """The first paragraph of a module's description."""
    return cls.description.split("\n\n", 1)[0].strip()


# -- help texts ------------------------------------------------------------------------------

_TAGS = re.compile(r"&lt;(/?)(var|kbd|code|samp|b|i|em|strong|br ?/?)&gt;")
_WIKILINK = re.compile(r"\[\[([^|\]]+)(?:\|([^\]]*))?\]\]")
_EXTLINK = re.compile(r"\[(https?://[^\s\]]+)(?: ([^\]]*))?\]")
HELP_PREFIX = "Special:ApiHelp/"


def text_to_html(text: str, link: Callable[[str], str], article: Callable[[str], str]) -> str:
    """A declared help text (plain text with a few inline tags and [[links]]) as HTML."""
    out = _TAGS.sub(lambda m: f"<{m.group(1)}{m.group(2)}>", html.escape(text, quote=False))

    def wikilink(match: re.Match[str]) -> str:
        target = html.unescape(match.group(1))
        label = match.group(2) or match.group(1)
        if target.startswith(HELP_PREFIX):
            href = link(target[len(HELP_PREFIX):])
        else:
            href = article(target)
        return f"<a href=\"{html.escape(href)}\">{label}</a>"

    out = _WIKILINK.sub(wikilink, out)
    out = _EXTLINK.sub(lambda m: f"<a rel=\"nofollow\" class=\"external text\" "
                                 f"href=\"{m.group(1)}\">{m.group(2) or m.group(1)}</a>", out)
    paragraphs = [p.strip("\n") for p in out.split("\n\n") if p.strip()]
    if len(paragraphs) <= 1:
        return paragraphs[0] if paragraphs else ""
    return "\n".join(f"<p>{p}\n</p>" for p in paragraphs)


class Links:
    """URLs for help pages and wiki pages of one wiki."""

    def __init__(self, ctx: ApiContext, on_page: Iterable[str] = ()) -> None:
        self.api = ctx.api_url()
        self.article_path = ctx.settings.base_url + ctx.settings.article_path
        self.on_page = set(on_page)

    def help(self, path: str) -> str:
        if path in self.on_page:
            return f"#{path}"
        return f"{self.api}?action=help&modules={quote(path, safe='')}"

    def article(self, title: str) -> str:
        return str(self.article_path).replace("$1", quote(title.replace(" ", "_"), safe="/:"))

    def html(self, text: str) -> str:
        return text_to_html(text, self.help, self.article)


def _submodule_list(param: Param, links: Links, as_html: bool) -> str:
    lines = []
    for name, path in (param.submodules or {}).items():
        cls = module_class(path)
        text = summary(cls) if cls is not None else ""
        if as_html:
            lines.append(f"<dt><a href=\"{html.escape(links.help(path))}\">{name}</a></dt>"
                         f"<dd>{links.html(text)}</dd>")
        else:
            lines.append(f";[[{HELP_PREFIX}{path}|{name}]]:{text}")
    if not lines:
        return ""
    return "\n<dl>" + "\n".join(lines) + "</dl>" if as_html else "\n" + "\n".join(lines)


def param_description(ctx: ApiContext, cls: ModuleClass, param: Param, fmt: str) -> Any:
    if fmt == "raw":
        if param.name == "token" and cls.needs_token is not None:
            return [{"key": "api-help-param-token",
                     "params": [cls.needs_token, cls.prefix, "token", cls.name, cls.path()]}]
        return [{"key": f"apihelp-{cls.path()}-param-{param.name}",
                 "params": [cls.prefix, param.name, cls.name, cls.path()]}]
    if fmt == "html":
        links = Links(ctx)
        return links.html(param.help) + _submodule_list(param, links, True)
    return param.help + _submodule_list(param, Links(ctx), False)


def module_description(ctx: ApiContext, cls: ModuleClass, fmt: str) -> Any:
    if fmt == "raw":
        args = [cls.prefix, cls.name, cls.path()]
        return [{"key": f"apihelp-{cls.path()}-summary", "params": args},
                {"key": f"apihelp-{cls.path()}-extended-description", "params": args}]
    return Links(ctx).html(cls.description) if fmt == "html" else cls.description


def examples(ctx: ApiContext, cls: ModuleClass, fmt: str) -> list[dict[str, Any]]:
    out = []
    for number, (query, text) in enumerate(cls.examples, 1):
        description: Any = text
        if fmt == "raw":
            description = {"key": f"apihelp-{cls.path()}-example-{number}",
                           "params": [cls.prefix, cls.name, cls.path()]}
        elif fmt == "html":
            description = Links(ctx).html(text)
        out.append({"query": query, "description": description})
    return out


# -- parameter facts -------------------------------------------------------------------------

def _ordered(values: Collection[str], deprecated: Iterable[str] = (),
             internal: Iterable[str] = ()) -> list[str]:
    """Sorted values; deprecated and then internal ones last, as the real server lists them."""
    late = list(dict.fromkeys([*sorted(deprecated), *sorted(internal)]))
    return sorted(v for v in set(values) if v not in late) + [v for v in late if v in values]


def _submodule_flags(param: Param) -> tuple[list[str], list[str]]:
    deprecated, internal = [], []
    for name, path in (param.submodules or {}).items():
        cls = module_class(path)
        if cls is not None and cls.internal:
            internal.append(name)
        elif cls is not None and cls.deprecated:
            deprecated.append(name)
    return sorted(deprecated), sorted(internal)


def param_type(ctx: ApiContext, param: Param) -> Any:
    if param.submodules is not None:
        return _ordered(param.submodules, *_submodule_flags(param))
    if isinstance(param.type, tuple):
        return _ordered(param.type, param.deprecated_values & set(param.type))
    if param.type == "tags":
        return list(ctx.settings.change_tags)
    return param.type


def _default(param: Param) -> Any:
    if param.type == "boolean" or param.default is None:
        return None
    if param.multi and isinstance(param.default, (list, tuple)):
        return "|".join(str(v) for v in param.default)
    return param.default


def _multi_facts(ctx: ApiContext, param: Param) -> dict[str, Any]:
    low, high = ctx.max_values, ctx.max_values_high
    facts: dict[str, Any] = {"lowlimit": low, "highlimit": high,
                             "limit": high if ctx.high_limits else low}
    if param.allow_all or param.type == "namespace":
        facts["allspecifier"] = "*"
    if param.allow_duplicates:
        facts["allowsduplicates"] = True
    return facts


def _kind_facts(param: Param) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if param.type in NUMERIC_TYPES:
        for key, value in (("min", param.min), ("max", param.max), ("highmax", param.highmax)):
            if value is not None:
                facts[key] = value
    if param.submodules is not None:
        ordered = _ordered(param.submodules, *_submodule_flags(param))
        facts["submodules"] = {name: param.submodules[name] for name in ordered}
        if param.submodule_param_prefix:
            facts["submoduleparamprefix"] = param.submodule_param_prefix
    if param.type == "user":
        facts["subtypes"] = list(param.user_types or DEFAULT_USER_TYPES)
    if param.type == "title":
        facts["mustExist"] = False
    return facts


def _value_flags(param: Param) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if param.submodules is not None:
        deprecated, internal = _submodule_flags(param)
    else:
        values = set(param.type) if isinstance(param.type, tuple) else set()
        deprecated, internal = sorted(param.deprecated_values & values), []
    if deprecated:
        facts["deprecatedvalues"] = deprecated
    if internal:
        facts["internalvalues"] = internal
    return facts


def param_info(ctx: ApiContext, cls: ModuleClass, param: Param, index: int,
               helpformat: str) -> dict[str, Any]:
    """One entry of ``parameters``: keys in the real server's order; False flags omitted in fv1."""
    info: dict[str, Any] = {"index": index, "name": param.name}
    if helpformat != "none":
        info["description"] = param_description(ctx, cls, param, helpformat)
    info["type"] = param_type(ctx, param)
    info["required"] = param.required
    info["deprecated"] = True if param.deprecated else None
    info["sensitive"] = True if param.sensitive or param.type == "password" else None
    info["default"] = _default(param)
    info["multi"] = param.multi
    if param.multi:
        info.update(_multi_facts(ctx, param))
    info.update(_kind_facts(param))
    info.update(_value_flags(param))
    if param.name == "token" and cls.needs_token is not None and param.required:
        info["tokentype"] = cls.needs_token
    return {key: value for key, value in info.items() if value is not None}


# -- module descriptions ---------------------------------------------------------------------

def license_link(ctx: ApiContext) -> str:
    settings = ctx.settings
    page = "Special:Version/License/MediaWiki"
    return str(settings.base_url + settings.article_path.replace("$1", page))


def _head(ctx: ApiContext, cls: ModuleClass, helpformat: str) -> dict[str, Any]:
    is_main = cls is MainModule
    info: dict[str, Any] = {"name": cls.name, "classname": class_name(cls), "path": cls.path()}
    if not is_main:
        info["group"] = cls.group
    info.update({"prefix": cls.prefix, "source": "MediaWiki", "sourcename": "MediaWiki",
                 "licensetag": "GPL-2.0-or-later", "licenselink": license_link(ctx)})
    if helpformat != "none":
        info["description"] = module_description(ctx, cls, helpformat)
    flags = (("deprecated", cls.deprecated), ("internal", cls.internal),
             ("readrights", cls.read_rights and not is_main),
             ("writerights", cls.write_mode), ("mustbeposted", cls.must_post),
             ("generator", cls.generator))
    info.update({key: True for key, on in flags if on})
    return info


def module_info(ctx: ApiContext, cls: ModuleClass, helpformat: str,
                params: tuple[Param, ...] | None = None) -> dict[str, Any]:
    """The paraminfo description of one module."""
    info = _head(ctx, cls, helpformat)
    info["helpurls"] = help_urls(cls, for_paraminfo=True)
    if helpformat != "none":
        info["examples"] = examples(ctx, cls, helpformat)
    specs = cls.all_params() if params is None else params
    info["parameters"] = [param_info(ctx, cls, param, index, helpformat)
                          for index, param in enumerate(specs, 1)]
    info["templatedparameters"] = []
    if cls.dynamic_parameters:
        info["dynamicparameters"] = True
    return info


def pageset_info(ctx: ApiContext, helpformat: str) -> dict[str, Any]:
    """The legacy ``pagesetmodule`` answer: the page-set parameters of action=query."""
    query = resolve("query")
    specs = tuple(p for p in query.all_params() if p.name in PAGESET_PARAMS)
    info = module_info(ctx, query, helpformat, specs)
    for key in ("name", "path", "group", "examples"):
        info.pop(key, None)
    info["classname"] = "ApiPageSet"
    info["helpurls"] = []
    return info


# -- the module ------------------------------------------------------------------------------

def _query_module_names() -> list[str]:
    names: set[str] = set()
    for group in QUERY_GROUPS:
        names.update(registry.modules_in_group(group))
    return sorted(names)


def _truthy(value: str | None) -> bool:
    """PHP truthiness of a string parameter ("" and "0" are false)."""
    return value not in (None, "", "0")


@registry.register
class ParamInfoModule(ApiModule):
    name = "paraminfo"
    class_name = "ApiParamInfo"
    read_rights = False
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Parameter_information"
    description = "Obtain information about API modules."
    examples = (
        ("action=paraminfo&modules=main|query|jsonfm|query%2Bsiteinfo",
         "Show info for the main module, [[Special:ApiHelp/query|action=query]], "
         "[[Special:ApiHelp/jsonfm|format=jsonfm]] and "
         "[[Special:ApiHelp/query+siteinfo|action=query&meta=siteinfo]]."),
        ("action=paraminfo&modules=query%2B*",
         "Show info for all submodules of [[Special:ApiHelp/query|action=query]]."),
    )

    @classmethod
    def all_params(cls) -> tuple[Param, ...]:
        formats = tuple(registry.modules_in_group("format"))
        return (
            Param("modules", "string", multi=True,
                  help="List of module names (values of the <var>action</var> and "
                       "<var>format</var> parameters, or <kbd>main</kbd>). Can specify "
                       "submodules with a <kbd>+</kbd>, or all submodules with <kbd>+*</kbd>, "
                       "or all submodules recursively with <kbd>+**</kbd>."),
            Param("helpformat", HELP_FORMATS, default="none", help="Format of help strings."),
            Param("querymodules", tuple(_query_module_names()), multi=True, deprecated=True,
                  help="List of query module names (value of <var>prop</var>, <var>meta</var> "
                       "or <var>list</var> parameter). Use <kbd>modules=query+foo</kbd> "
                       "instead of <kbd>querymodules=foo</kbd>."),
            Param("mainmodule", "string", deprecated=True,
                  help="Get information about the main (top-level) module as well. Use "
                       "<kbd>modules=main</kbd> instead."),
            Param("pagesetmodule", "string", deprecated=True,
                  help="Get information about the pageset module (providing titles= and "
                       "friends) as well."),
            Param("formatmodules", formats, multi=True, deprecated=True,
                  help="List of format module names (value of <var>format</var> parameter). "
                       "Use <var>modules</var> instead."),
        )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        helpformat = params["helpformat"]
        query_bc = list(params["querymodules"])
        format_bc = list(params["formatmodules"])
        wanted = expand_paths(ctx, params["modules"])
        wanted += [f"query+{name}" for name in query_bc] + format_bc
        out: dict[str, Any] = {"helpformat": helpformat}
        for path in dict.fromkeys(wanted):
            try:
                cls = resolve(path)
            except ApiError as error:
                ctx.warn("paraminfo", error.message, error.code)
                continue
            key, item = "modules", module_info(ctx, cls, helpformat)
            if cls.group in QUERY_GROUPS and cls.name in query_bc:
                key, item["querytype"] = "querymodules", cls.group
            if cls.group == "format" and cls.name in format_bc:
                key = "formatmodules"
            out.setdefault(key, []).append(item)
        if _truthy(params["mainmodule"]):
            out["mainmodule"] = module_info(ctx, MainModule, helpformat)
        if _truthy(params["pagesetmodule"]):
            out["pagesetmodule"] = pageset_info(ctx, helpformat)
        if any(name in ctx.params for name in LEGACY_PARAMS):
            _announce_deprecation(ctx)
        ctx.result["paraminfo"] = out


LEGACY_PARAMS = ("querymodules", "mainmodule", "pagesetmodule", "formatmodules")


def _announce_deprecation(ctx: ApiContext) -> None:
    """Deprecation warnings come with the announce-list pointer, listed first."""
    pointer = Warning_("main", Message("api-usage-mailinglist-ref-plain"), "deprecation-help")
    if pointer not in ctx.warnings:
        ctx.warnings.insert(0, pointer)


def expand_paths(ctx: ApiContext, requested: Iterable[str]) -> list[str]:
    """``*``, ``+*`` and ``+**`` expanded to module paths; a bad base path is a warning."""
    paths: list[str] = []
    for path in requested:
        if path in ("*", "**"):
            path = f"main+{path}"
        recursive = path.endswith(("+**", " **"))
        if not (recursive or path.endswith(("+*", " *"))):
            paths.append(path)
            continue
        base = path[:-3] if recursive else path[:-2]
        try:
            cls = resolve(base)
        except ApiError as error:
            ctx.warn("paraminfo", error.message, error.code)
            continue
        found = list_submodules(cls, recursive)
        if not found:
            ctx.warn("paraminfo", Message("apierror-badmodule-nosubmodules", (base,)),
                     "badmodule")
        paths.extend(found)
    return paths


__all__ = ["Links", "ParamInfoModule", "expand_paths", "list_submodules", "module_class",
           "module_info", "param_info", "resolve", "submodules_of", "summary"]
