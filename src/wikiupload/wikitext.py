"""Which pages a page transcludes: a small wikitext preprocessor for ``prop=templates``.

Pages store wikitext but nothing renders it, so the ``templatelinks`` MediaWiki fills while
parsing are computed here instead. The rules follow what MediaWiki 1.39 records:

* comments, ``<nowiki>``, ``<pre>`` and (on the page itself) ``<includeonly>`` parts are
  skipped; a transcluded page honours ``<noinclude>`` and ``<onlyinclude>``;
* ``{{Name}}`` is ``Template:Name``, ``{{:Name}}`` the main namespace, ``{{Ns:Name}}`` that
  namespace; special pages, invalid names, variables and parser functions are not links;
* an existing page's own transclusions count too, and so do the arguments it uses;
  a missing page's arguments are never expanded, those of an unknown ``{{#fn:...}}`` are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from wikiupload.titles import NS_SPECIAL, InvalidTitle, Title, parse_title

__all__ = ["Argument", "Node", "Template", "TransclusionFinder", "parse", "strip_markup"]

NS_MAIN, NS_TEMPLATE = 0, 10
MAX_DEPTH = 40
MAX_EXPANSIONS = 1000


# -- tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """``{{part|part|...}}``; each part is a sequence of nodes."""

    parts: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True)
class Argument:
    """``{{{name|default}}}``."""

    parts: tuple[tuple[Node, ...], ...]


Node = str | Template | Argument


@dataclass
class _Open:
    """An opening run of braces (``{``) or a link (``[``) not closed yet."""

    char: str
    count: int
    parts: list[list[Node]] = field(default_factory=lambda: [[]])

    def flatten(self) -> list[Node]:
        out: list[Node] = [self.char * self.count]
        for index, part in enumerate(self.parts):
            if index:
                out.append("|")
            out.extend(part)
        return out


def _run_length(text: str, pos: int, char: str) -> int:
    end = pos
    while end < len(text) and text[end] == char:
        end += 1
    return end - pos


class _BraceParser:
    """MediaWiki's brace matching: ``{{`` templates, ``{{{`` arguments, ``[[`` links."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root: list[Node] = []
        self.stack: list[_Open] = []

    def container(self) -> list[Node]:
        return self.stack[-1].parts[-1] if self.stack else self.root

    def parse(self) -> list[Node]:
        text, pos = self.text, 0
        while pos < len(text):
            char = text[pos]
            if char in "{[":
                run = _run_length(text, pos, char)
                if run >= 2:
                    self.stack.append(_Open(char, run if char == "{" else 2))
                    pos += run if char == "{" else 2
                    continue
            elif char == "}" and self._open_with("{"):
                pos += self._close_braces(_run_length(text, pos, "}"))
                continue
            elif char == "]" and text.startswith("]]", pos) and self._open_with("["):
                self._close_link()
                pos += 2
                continue
            elif char == "|" and self.stack:
                self.stack[-1].parts.append([])
                pos += 1
                continue
            self._add_text(char)
            pos += 1
        while self.stack:
            self._emit_all(self.stack.pop().flatten())
        return _merge_text(self.root)

    def _open_with(self, char: str) -> bool:
        return bool(self.stack) and self.stack[-1].char == char

    def _add_text(self, text: str) -> None:
        self.container().append(text)

    def _emit_all(self, nodes: list[Node]) -> None:
        self.container().extend(nodes)

    def _close_link(self) -> None:
        self._emit_all(self.stack.pop().flatten() + ["]]"])

    def _close_braces(self, available: int) -> int:
        """Match a run of ``}``; returns how many characters were consumed."""
        remaining = available
        while remaining >= 2 and self._open_with("{"):
            top = self.stack[-1]
            matched = min(top.count, remaining, 3)
            if matched < 2:
                break
            parts = tuple(tuple(_merge_text(p)) for p in top.parts)
            node: Node = Argument(parts) if matched == 3 else Template(parts)
            top.count -= matched
            remaining -= matched
            if top.count >= 2:
                top.parts = [[node]]
                continue
            self.stack.pop()
            self._emit_all(["{"] * top.count + [node])
        if remaining:
            self._add_text("}" * remaining)
        return available


def _merge_text(nodes: list[Node]) -> list[Node]:
    merged: list[Node] = []
    for node in nodes:
        if isinstance(node, str) and merged and isinstance(merged[-1], str):
            merged[-1] += node
        elif node != "":
            merged.append(node)
    return merged


def parse(text: str) -> list[Node]:
    """Split wikitext into text, templates and arguments (markup already stripped)."""
    return _BraceParser(text).parse()


# -- markup that hides transclusions -------------------------------------------------------

_TAG = re.compile(
    r"<!--|<(/?)(nowiki|pre|includeonly|noinclude|onlyinclude)(\s[^>]*?)?(/?)>",
    re.IGNORECASE)
_ONLYINCLUDE = re.compile(r"<onlyinclude>(.*?)(?:</onlyinclude>|$)", re.DOTALL)


def strip_markup(text: str, transcluded: bool = False) -> str:
    """Drop what the preprocessor never expands, for a page viewed or transcluded."""
    if transcluded and "<onlyinclude>" in text and "</onlyinclude>" in text:
        text = "".join(m.group(1) for m in _ONLYINCLUDE.finditer(text))
    hidden = "noinclude" if transcluded else "includeonly"
    out: list[str] = []
    pos = 0
    while (match := _TAG.search(text, pos)) is not None:
        out.append(text[pos:match.start()])
        pos = _skip_tag(text, match, hidden)
    out.append(text[pos:])
    return "".join(out)


def _skip_tag(text: str, match: re.Match[str], hidden: str) -> int:
    """Where scanning resumes after the comment or tag at ``match``."""
    if match.group(0) == "<!--":
        end = text.find("-->", match.end())
        return len(text) if end < 0 else end + 3
    closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(4)
    if closing or self_closing:
        return match.end()
    if name in ("nowiki", "pre"):
        close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(text, match.end())
        return close.end() if close else match.end()
    if name == hidden:
        close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(text, match.end())
        return close.end() if close else len(text)
    return match.end()


# -- magic words (siteinfo magicwords/functionhooks of a stock 1.39) -----------------------

_VARIABLES = frozenset({
    "!", "=", "CURRENTMONTH", "CURRENTMONTH2", "CURRENTMONTH1", "CURRENTMONTHNAME",
    "CURRENTMONTHNAMEGEN", "CURRENTMONTHABBREV", "CURRENTDAY", "CURRENTDAY2",
    "CURRENTDAYNAME", "CURRENTYEAR", "CURRENTTIME", "CURRENTHOUR", "LOCALMONTH",
    "LOCALMONTH2", "LOCALMONTH1", "LOCALMONTHNAME", "LOCALMONTHNAMEGEN",
    "LOCALMONTHABBREV", "LOCALDAY", "LOCALDAY2", "LOCALDAYNAME", "LOCALYEAR",
    "LOCALTIME", "LOCALHOUR", "NUMBEROFARTICLES", "NUMBEROFFILES", "NUMBEROFEDITS",
    "SITENAME", "PAGENAME", "PAGENAMEE", "FULLPAGENAME", "FULLPAGENAMEE", "NAMESPACE",
    "NAMESPACEE", "NAMESPACENUMBER", "CURRENTWEEK", "CURRENTDOW", "LOCALWEEK",
    "LOCALDOW", "REVISIONID", "REVISIONDAY", "REVISIONDAY2", "REVISIONMONTH",
    "REVISIONMONTH1", "REVISIONYEAR", "REVISIONTIMESTAMP", "REVISIONUSER",
    "REVISIONSIZE", "SUBPAGENAME", "SUBPAGENAMEE", "TALKSPACE", "TALKSPACEE",
    "SUBJECTSPACE", "ARTICLESPACE", "SUBJECTSPACEE", "ARTICLESPACEE", "TALKPAGENAME",
    "TALKPAGENAMEE", "SUBJECTPAGENAME", "ARTICLEPAGENAME", "SUBJECTPAGENAMEE",
    "ARTICLEPAGENAMEE", "NUMBEROFUSERS", "NUMBEROFACTIVEUSERS", "NUMBEROFPAGES",
    "CURRENTVERSION", "ROOTPAGENAME", "ROOTPAGENAMEE", "BASEPAGENAME", "BASEPAGENAMEE",
    "CURRENTTIMESTAMP", "LOCALTIMESTAMP", "DIRECTIONMARK", "DIRMARK", "CONTENTLANGUAGE",
    "CONTENTLANG", "PAGELANGUAGE", "NUMBEROFADMINS", "CASCADINGSOURCES",
})
_VARIABLES_ANY_CASE = frozenset({"articlepath", "pageid", "server", "servername", "scriptpath",
                                 "stylepath"})
_FUNCTIONS = frozenset({
    "NUMBEROFPAGES", "NUMBEROFUSERS", "NUMBEROFACTIVEUSERS", "NUMBEROFARTICLES",
    "NUMBEROFFILES", "NUMBEROFADMINS", "NUMBERINGROUP", "NUMINGROUP", "NUMBEROFEDITS",
    "DEFAULTSORT", "DEFAULTSORTKEY", "DEFAULTCATEGORYSORT", "PAGESINCATEGORY",
    "PAGESINCAT", "PAGESIZE", "PROTECTIONLEVEL", "PROTECTIONEXPIRY", "NAMESPACE",
    "NAMESPACEE", "NAMESPACENUMBER", "TALKSPACE", "TALKSPACEE", "SUBJECTSPACE",
    "ARTICLESPACE", "SUBJECTSPACEE", "ARTICLESPACEE", "PAGENAME", "PAGENAMEE",
    "FULLPAGENAME", "FULLPAGENAMEE", "ROOTPAGENAME", "ROOTPAGENAMEE", "BASEPAGENAME",
    "BASEPAGENAMEE", "SUBPAGENAME", "SUBPAGENAMEE", "TALKPAGENAME", "TALKPAGENAMEE",
    "SUBJECTPAGENAME", "ARTICLEPAGENAME", "SUBJECTPAGENAMEE", "ARTICLEPAGENAMEE",
    "REVISIONID", "REVISIONDAY", "REVISIONDAY2", "REVISIONMONTH", "REVISIONMONTH1",
    "REVISIONYEAR", "REVISIONTIMESTAMP", "REVISIONUSER", "CASCADINGSOURCES",
    "DISPLAYTITLE",
})
_FUNCTIONS_ANY_CASE = frozenset({
    "ns", "nse", "urlencode", "lcfirst", "ucfirst", "lc", "uc", "localurl", "localurle",
    "fullurl", "fullurle", "canonicalurl", "canonicalurle", "formatnum", "grammar",
    "gender", "plural", "bidi", "#language", "padleft", "padright", "anchorencode",
    "filepath", "pageid", "int", "#special", "#speciale", "#tag", "#formatdate",
    "#dateformat",
})


def _is_variable(name: str) -> bool:
    return name in _VARIABLES or name.lower() in _VARIABLES_ANY_CASE


def _is_function(name: str) -> bool:
    return name in _FUNCTIONS or name.lower() in _FUNCTIONS_ANY_CASE


def _strip_modifier(name: str, modifier: str) -> str | None:
    """``name`` without a leading ``modifier:`` (any case), or None if it has none."""
    if name[:len(modifier) + 1].lower() == modifier + ":":
        return name[len(modifier) + 1:].strip()
    return None


# -- expansion -------------------------------------------------------------------------------


def _literal(nodes: tuple[Node, ...]) -> str | None:
    """The text of a part made only of text; None if it contains templates or arguments."""
    if all(isinstance(node, str) for node in nodes):
        return "".join(node for node in nodes if isinstance(node, str))
    return None


@dataclass(frozen=True)
class _Frame:
    """The arguments a transcluded page was called with, each tied to the caller's frame."""

    args: dict[str, tuple[tuple[Node, ...], _Frame | None]]


def _arguments(parts: tuple[tuple[Node, ...], ...], caller: _Frame | None) -> _Frame:
    args: dict[str, tuple[tuple[Node, ...], _Frame | None]] = {}
    position = 0
    for part in parts:
        name, value = _split_named(part)
        if name is None:
            position += 1
            name = str(position)
        args[name] = (value, caller)
    return _Frame(args)


def _split_named(part: tuple[Node, ...]) -> tuple[str | None, tuple[Node, ...]]:
    """``name=value`` at the top level of a part, or (None, part)."""
    for index, node in enumerate(part):
        if isinstance(node, str) and "=" in node:
            head, _, tail = node.partition("=")
            name = "".join(n for n in part[:index] if isinstance(n, str)) + head
            return name.strip(), ((tail,) if tail else ()) + part[index + 1:]
    return None, part


class TransclusionFinder:
    """Collects the titles a page transcludes; ``load`` gives an existing page's wikitext."""

    def __init__(self, load: Callable[[Title], str | None], site_name: str = "Project") -> None:
        self.load = load
        self.site_name = site_name
        self.found: dict[Title, None] = {}
        self._trees: dict[Title, list[Node] | None] = {}
        self._expansions = 0

    def find(self, text: str, title: Title | None = None) -> list[Title]:
        """Titles transcluded by ``text`` (the page ``title``), in the order first met."""
        self._expand(parse(strip_markup(text)), None, (title,) if title else ())
        return list(self.found)

    def _expand(self, nodes: tuple[Node, ...] | list[Node], frame: _Frame | None,
                stack: tuple[Title, ...]) -> None:
        for node in nodes:
            if isinstance(node, Template):
                self._template(node, frame, stack)
            elif isinstance(node, Argument):
                self._argument(node, frame, stack)

    def _expand_parts(self, parts: tuple[tuple[Node, ...], ...], frame: _Frame | None,
                      stack: tuple[Title, ...]) -> None:
        for part in parts:
            self._expand(part, frame, stack)

    def _argument(self, node: Argument, frame: _Frame | None,
                  stack: tuple[Title, ...]) -> None:
        self._expand(node.parts[0], frame, stack)
        name = _literal(node.parts[0])
        if frame is not None and name is not None and name.strip() in frame.args:
            value, caller = frame.args[name.strip()]
            self._expand(value, caller, stack)
        elif len(node.parts) > 1:
            self._expand(node.parts[1], frame, stack)

    def _template(self, node: Template, frame: _Frame | None,
                  stack: tuple[Title, ...]) -> None:
        raw = _literal(node.parts[0])
        if raw is None:
            self._expand_parts(node.parts, frame, stack)
            return
        name = raw.strip()
        if _strip_modifier(name, "subst") is not None:
            return
        name = _strip_modifier(name, "safesubst") or name
        raw_only = False
        for modifier in ("msgnw", "msg", "raw"):
            stripped = _strip_modifier(name, modifier)
            if stripped is not None:
                name, raw_only = stripped, modifier == "msgnw"
                break
        if self._is_magic(name, len(node.parts)):
            self._expand_parts(node.parts[1:], frame, stack)
            return
        title = self._title(name)
        if title is None:
            self._expand_parts(node.parts[1:], frame, stack)
        elif title.namespace != NS_SPECIAL:
            self.found.setdefault(title, None)
            if not raw_only:
                self._transclude(title, node.parts[1:], frame, stack)

    @staticmethod
    def _is_magic(name: str, part_count: int) -> bool:
        if ":" in name:
            return _is_function(name.split(":", 1)[0].strip())
        return part_count == 1 and _is_variable(name)

    def _title(self, name: str) -> Title | None:
        default = NS_TEMPLATE
        if name.startswith(":"):
            name, default = name[1:], NS_MAIN
        if not name.strip() or name.lstrip().startswith("#"):
            return None
        try:
            return parse_title(name, default_ns=default, site_name=self.site_name)
        except InvalidTitle:
            return None

    def _transclude(self, title: Title, parts: tuple[tuple[Node, ...], ...],
                    frame: _Frame | None, stack: tuple[Title, ...]) -> None:
        if title in stack or len(stack) >= MAX_DEPTH or self._expansions >= MAX_EXPANSIONS:
            return
        tree = self._tree(title)
        if tree is None:
            return
        self._expansions += 1
        self._expand(tree, _arguments(parts, frame), (*stack, title))

    def _tree(self, title: Title) -> list[Node] | None:
        if title not in self._trees:
            text = self.load(title)
            self._trees[title] = None if text is None else self._resolve(title, text)
        return self._trees[title]

    def _resolve(self, title: Title, text: str) -> list[Node]:
        """A redirect transcludes its target, which is recorded as well."""
        target = _redirect_target(text)
        if target is not None:
            resolved = self._title(":" + target)
            if resolved is not None and resolved != title:
                self.found.setdefault(resolved, None)
                followed = self.load(resolved)
                text = followed if followed is not None else ""
        return parse(strip_markup(text, transcluded=True))


_REDIRECT = re.compile(r"^\s*#REDIRECT\s*:?\s*\[\[([^\]|#]+)", re.IGNORECASE)


def _redirect_target(text: str) -> str | None:
    match = _REDIRECT.match(text)
    return match.group(1).strip() if match else None



# -- sections ----------------------------------------------------------------------------------

_HEADING = re.compile(r"^(={1,6})(.+?)(={1,6})[ \t]*$", re.MULTILINE)


def _mask(text: str) -> str:
    """``text`` with comments, ``<nowiki>``/``<pre>`` and templates blanked (same length)."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    text = re.sub(r"<!--.*?(?:-->|$)", blank, text, flags=re.DOTALL)
    text = re.sub(r"<(nowiki|pre)\b[^>]*>.*?</\1\s*>", blank, text,
                  flags=re.DOTALL | re.IGNORECASE)
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"\{\{[^{}]*\}\}", blank, text)
    return text


def section(text: str, index: int) -> str | None:
    """Section ``index`` of a page (0: before the first heading), or None if there is none.

    A section runs from its heading to the next heading of the same or a higher level;
    trailing whitespace is dropped, as MediaWiki does.
    """
    headings = [(m.start(), min(len(m.group(1)), len(m.group(3))))
                for m in _HEADING.finditer(_mask(text))]
    if index == 0:
        end = headings[0][0] if headings else len(text)
        return text[:end].rstrip()
    if index < 0 or index > len(headings):
        return None
    start, level = headings[index - 1]
    end = next((pos for pos, lvl in headings[index:] if lvl <= level), len(text))
    return text[start:end].rstrip()
