"""action=help: an HTML page generated from the module declarations (the default action)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from wikiupload import MEDIAWIKI_COMPAT_VERSION
from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.main import MainModule
from wikiupload.api.module import ApiModule
from wikiupload.api.paraminfo import (
    QUERY_GROUPS,
    Links,
    ModuleClass,
    help_urls,
    list_submodules,
    param_info,
    resolve,
)
from wikiupload.api.params import Param

HELP_FILENAME = "api-help.html"
MAIN_INTRO = (
    "This page documents the Action API of this wiki, generated from the modules' own "
    "parameter declarations.\n\nEvery request names an <var>action</var>; clients should "
    "also send <kbd>format=json</kbd>. Errors are reported with HTTP status 200 and a "
    "<code>MediaWiki-API-Error</code> response header carrying the error code."
)
STYLE = (
    "body{font-family:sans-serif;margin:1em 2em}dt{font-weight:bold;margin-top:.6em}"
    "dd.info{color:#444}.apihelp-linktrail{font-size:smaller}"
    ".apihelp-block-head{font-weight:bold;margin-top:.8em}"
)
DATATYPES = (
    ("boolean", "A boolean parameter is true when it is present, whatever its value "
                "(even <kbd>0</kbd> or <kbd>false</kbd>); leave it out to make it false."),
    ("multiple values", "Separate values with <kbd>|</kbd>. To send values that contain "
                        "<kbd>|</kbd>, start the whole value with U+001F and separate the "
                        "values with U+001F."),
    ("timestamp", "Timestamps may be given as ISO 8601 (<kbd>2001-01-15T14:56:00Z</kbd>), "
                  "as MediaWiki's 14-digit form (<kbd>20010115145600</kbd>), as UNIX seconds "
                  "or as <kbd>now</kbd>."),
    ("limit", "Either an integer or <kbd>max</kbd>, the highest value allowed to the "
              "caller."),
)
TYPE_NOTES = {
    "boolean": "Type: boolean (<a href=\"{datatypes}\">presence flag</a>)",
    "integer": "Type: integer",
    "limit": "Type: integer or <kbd>max</kbd>",
    "timestamp": "Type: timestamp (<a href=\"{datatypes}\">formats</a>)",
    "user": "Type: user name",
    "title": "Type: page title",
    "namespace": "Type: namespace number",
    "expiry": "Type: expiry (relative like <kbd>5 months</kbd>, or a timestamp)",
    "upload": "Send as a file part of a <code>multipart/form-data</code> POST request.",
}


def _kbd(value: str) -> str:
    return f"<kbd>{html.escape(value, quote=False)}</kbd>"


def heading_text(cls: ModuleClass) -> str:
    if cls is MainModule:
        return "Main module"
    text = f"{cls.group}={cls.name}" if cls.group in (*QUERY_GROUPS, "format") \
        else f"action={cls.name}"
    return f"{text} ({cls.prefix})" if cls.prefix else text


@dataclass
class HelpPage:
    """Renders the help for a list of module paths as one HTML document."""

    ctx: ApiContext
    entries: list[tuple[ModuleClass, int]] = field(default_factory=list)
    links: Links | None = None

    def collect(self, paths: list[str], submodules: bool, recursive: bool) -> None:
        """The requested modules (ApiError badmodule if unknown) and their submodules."""
        for path in paths:
            cls = resolve(path)
            self._add(cls, 0)
            if not (submodules or recursive):
                continue
            base = 0 if cls is MainModule else len(cls.path().split("+"))
            for sub in list_submodules(cls, recursive):
                self._add(resolve(sub), len(sub.split("+")) - base)
        self.links = Links(self.ctx, [cls.path() for cls, _ in self.entries])

    def _add(self, cls: ModuleClass, depth: int) -> None:
        if all(known is not cls for known, _ in self.entries):
            self.entries.append((cls, depth))

    @property
    def link(self) -> Links:
        if self.links is None:
            self.links = Links(self.ctx)
        return self.links

    def render(self, toc: bool) -> str:
        body = [self._intro()]
        if toc:
            body.append(self._toc())
        body.extend(self._section(cls, depth) for cls, depth in self.entries)
        return self._document("\n".join(body))

    def _document(self, content: str) -> str:
        site = html.escape(str(self.ctx.settings.sitename))
        return (
            "<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">\n<head>\n"
            "<meta charset=\"UTF-8\"/>\n"
            f"<title>MediaWiki API help - {site}</title>\n"
            f"<meta name=\"generator\" content=\"MediaWiki {MEDIAWIKI_COMPAT_VERSION}\"/>\n"
            "<meta name=\"robots\" content=\"noindex,nofollow\"/>\n"
            f"<style>{STYLE}</style>\n</head>\n"
            "<body class=\"mediawiki ltr sitedir-ltr ns--1 ns-special mw-special-ApiHelp "
            "skin-apioutput\"><div class=\"mw-body\" role=\"main\">\n"
            "<h1 id=\"firstHeading\">MediaWiki API help</h1>\n"
            "<div class=\"mw-body-content\"><div id=\"mw-content-text\">\n"
            f"{content}\n</div></div>\n</div>\n</body>\n</html>\n"
        )

    def _intro(self) -> str:
        url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Main_page"
        return (f"<p>API documentation of {html.escape(str(self.ctx.settings.sitename))}. "
                f"General documentation and examples: <a class=\"external free\" "
                f"href=\"{url}\">{url}</a></p>")

    def _toc(self) -> str:
        items = [f"<li class=\"toclevel-{depth + 1}\"><a href=\"#{html.escape(cls.path())}\">"
                 f"{html.escape(heading_text(cls))}</a></li>" for cls, depth in self.entries]
        return ("<div id=\"toc\" class=\"toc\"><h2>Contents</h2><ul>"
                + "".join(items) + "</ul></div>")

    def _section(self, cls: ModuleClass, depth: int) -> str:
        level = min(2 + depth, 6)
        path = html.escape(cls.path())
        parts = [
            f"<h{level} class=\"apihelp-header apihelp-module-name\" id=\"{path}\">"
            f"{html.escape(heading_text(cls))}</h{level}>",
            self._linktrail(cls),
            self._flags(cls),
            self._description(cls),
            self._help_urls(cls),
            self._parameters(cls),
            self._examples(cls),
        ]
        if cls is MainModule:
            parts.append(self._datatypes())
        return "\n".join(part for part in parts if part)

    def _linktrail(self, cls: ModuleClass) -> str:
        if cls is MainModule:
            return ""
        names = cls.path().split("+")
        trail = [f"<a href=\"{html.escape(self.link.help('main'))}\">main</a>"]
        for number, name in enumerate(names[:-1], 1):
            target = "+".join(names[:number])
            trail.append(f"<a href=\"{html.escape(self.link.help(target))}\">{name}</a>")
        trail.append(f"<b>{html.escape(names[-1])}</b>")
        return f"<div class=\"apihelp-linktrail\">({' | '.join(trail)})</div>"

    def _flags(self, cls: ModuleClass) -> str:
        flags = []
        if cls.deprecated:
            flags.append("This module is deprecated.")
        if cls.internal:
            flags.append("This module is internal or unstable; it may change without notice.")
        if cls.read_rights and cls is not MainModule:
            flags.append("Needs the right to read the wiki.")
        if cls.write_mode:
            flags.append("Needs the right to edit the wiki.")
        if cls.must_post:
            flags.append("Accepts POST requests only.")
        if cls.generator:
            flags.append("Can be used as a generator.")
        flags.append("Source: MediaWiki")
        flags.append("License: GPL-2.0-or-later")
        items = "".join(f"<li>{flag}</li>" for flag in flags)
        return f"<div class=\"apihelp-block apihelp-flags\"><ul>{items}</ul></div>"

    def _description(self, cls: ModuleClass) -> str:
        text = MAIN_INTRO if cls is MainModule and not cls.description else cls.description
        rendered = self.link.html(text)
        return rendered if rendered.startswith("<p>") else f"<p>{rendered}</p>"

    def _help_urls(self, cls: ModuleClass) -> str:
        urls = help_urls(cls)
        if not urls:
            return ""
        items = "".join(f"<li><a href=\"{html.escape(u)}\">{html.escape(u)}</a></li>"
                        for u in urls)
        return f"<div class=\"apihelp-block apihelp-help-urls\"><ul>{items}</ul></div>"

    def _parameters(self, cls: ModuleClass) -> str:
        specs = cls.all_params()
        if not specs:
            return ""
        rows = [self._parameter(cls, param, index) for index, param in enumerate(specs, 1)]
        head = "Parameter:" if len(specs) == 1 else "Parameters:"
        return ("<div class=\"apihelp-block apihelp-parameters\"><div class=\"apihelp-block-head"
                f"\">{head}</div><dl>" + "".join(rows) + "</dl></div>")

    def _parameter(self, cls: ModuleClass, param: Param, index: int) -> str:
        facts = param_info(self.ctx, cls, param, index, "none")
        wire = html.escape(cls.prefix + param.name)
        out = [f"<dt id=\"{html.escape(cls.path())}:{wire}\">{wire}</dt>"]
        if param.help:
            out.append(f"<dd class=\"description\">{self.link.html(param.help)}</dd>")
        out.extend(f"<dd class=\"info\">{line}</dd>" for line in self._info_lines(facts))
        return "".join(out)

    def _info_lines(self, facts: dict[str, Any]) -> list[str]:
        lines = []
        if facts.get("required"):
            lines.append("This parameter is required.")
        if facts.get("deprecated"):
            lines.append("This parameter is deprecated.")
        lines.extend(self._type_lines(facts))
        lines.extend(_range_lines(facts))
        if facts.get("multi") and isinstance(facts.get("lowlimit"), int):
            lines.append(f"At most {facts['lowlimit']} values ({facts['highlimit']} for "
                         "clients with the <code>apihighlimits</code> right).")
        if "allspecifier" in facts:
            lines.append(f"Use {_kbd(facts['allspecifier'])} to select every value.")
        if "default" in facts:
            value = str(facts["default"])
            lines.append(f"Default: {_kbd(value) if value else '(empty)'}")
        return lines

    def _type_lines(self, facts: dict[str, Any]) -> list[str]:
        kind = facts["type"]
        multi = bool(facts.get("multi"))
        datatypes = html.escape(self._datatypes_href())
        separator = ("Values (separated by <kbd>|</kbd> or "
                     f"<a href=\"{datatypes}\">U+001F</a>): ")
        if isinstance(kind, list):
            submodules = facts.get("submodules", {})
            values = [f"<a href=\"{html.escape(self.link.help(submodules[v]))}\">{v}</a>"
                      if v in submodules else _kbd(v) for v in kind]
            lead = separator if multi else "One of: "
            return [lead + (", ".join(values) if values else "(none defined)")]
        lines = [TYPE_NOTES[kind].format(datatypes=datatypes)] if kind in TYPE_NOTES else []
        if multi:
            lines.append(separator.rstrip(": ") + ".")
        return lines

    def _datatypes_href(self) -> str:
        main = self.link.help("main")
        return "#main/datatypes" if main.startswith("#") else f"{main}#main/datatypes"

    def _examples(self, cls: ModuleClass) -> str:
        if not cls.examples:
            return ""
        rows = []
        for query, text in cls.examples:
            href = html.escape(f"{self.link.api}?{quote(query, safe='=&%+*|')}")
            shown = html.escape(f"api.php?{query}", quote=False)
            rows.append(f"<dt>{self.link.html(text)}</dt><dd><a href=\"{href}\" "
                        f"rel=\"nofollow\">{shown}</a></dd>")
        head = "Example:" if len(rows) == 1 else "Examples:"
        return ("<div class=\"apihelp-block apihelp-examples\"><div class=\"apihelp-block-head"
                f"\">{head}</div><dl>" + "".join(rows) + "</dl></div>")

    def _datatypes(self) -> str:
        rows = "".join(f"<dt>{name}</dt><dd>{text}</dd>" for name, text in DATATYPES)
        return (f"<h3 id=\"main/datatypes\">Data types</h3><div class=\"apihelp-block\">"
                f"<dl>{rows}</dl></div>")


def _range_lines(facts: dict[str, Any]) -> list[str]:
    low, high, highmax = facts.get("min"), facts.get("max"), facts.get("highmax")
    if facts["type"] == "limit" and high is not None:
        extra = f" ({highmax} with the <code>apihighlimits</code> right)" if highmax else ""
        return [f"At most {high}{extra}."]
    if low is not None and high is not None:
        return [f"Allowed range: {low} to {high}."]
    if low is not None:
        return [f"At least {low}."]
    if high is not None:
        return [f"At most {high}."]
    return []


@registry.register
class HelpModule(ApiModule):
    name = "help"
    class_name = "ApiHelp"
    read_rights = False
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Main_page"
    more_help_urls = ("https://www.mediawiki.org/wiki/Special:MyLanguage/API:FAQ",
                      "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Quick_start_guide")
    description = "Display help for the specified modules."
    params = (
        Param("modules", "string", multi=True, default="main",
              help="Modules to show help for (values of the <var>action</var> and "
                   "<var>format</var> parameters, or <kbd>main</kbd>). Submodules are "
                   "named with a <kbd>+</kbd>, e.g. <kbd>query+tokens</kbd>."),
        Param("submodules", "boolean", default=False,
              help="Also show the help of the submodules of the named modules."),
        Param("recursivesubmodules", "boolean", default=False,
              help="Also show the help of all submodules, recursively."),
        Param("wrap", "boolean", default=False,
              help="Wrap the output in a standard API response structure."),
        Param("toc", "boolean", default=False,
              help="Add a table of contents to the HTML output."),
    )
    examples = (
        ("action=help", "Help for the main module."),
        ("action=help&modules=query&submodules=1",
         "Help for [[Special:ApiHelp/query|action=query]] and all its submodules."),
        ("action=help&recursivesubmodules=1", "All help in one page."),
        ("action=help&modules=upload|query+tokens",
         "Help for [[Special:ApiHelp/upload|action=upload]] and "
         "[[Special:ApiHelp/query+tokens|meta=tokens]]."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        page = HelpPage(ctx)
        page.collect(list(params["modules"]) or ["main"], params["submodules"],
                     params["recursivesubmodules"])
        document = page.render(params["toc"])
        ctx.response_headers["Cache-Control"] = "private, must-revalidate, max-age=0"
        if params["wrap"]:
            ctx.result["help"] = {"mime": "text/html", "filename": HELP_FILENAME,
                                  "help": document}
            return
        ctx.response_headers.update({
            "Content-Disposition": f"inline; filename={HELP_FILENAME}",
            "Content-Language": "en",
            "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
        })
        ctx.raw_output = ("text/html; charset=utf-8", document.encode())


__all__ = ["HelpModule", "HelpPage"]
