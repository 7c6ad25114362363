"""Edit summaries as HTML (``parsedcomment``): escaping, ``/* section */`` and ``[[links]]``.

The output matches what MediaWiki 1.39's comment formatter gives for plain text, section
autocomments and internal links (red links for missing pages, English link trails).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import quote

from wikiupload.config import Settings
from wikiupload.titles import NS_FILE, NS_MEDIA, NS_SPECIAL, InvalidTitle, Title, parse_title

__all__ = ["format_comment"]

_AUTOCOMMENT = re.compile(r"(?:(?<=(.)))?/\*\s*(.*?)\s*\*/(?:(?=(.)))?", re.DOTALL)
_LINK = re.compile(r"\[\[\s*+:?([^\[\]|]+)(?:\|((?:\]?[^\]])*+))?\]\]([^\[]*)")
_TRAIL = re.compile(r"^([a-z]+)(.*)$", re.DOTALL)
ARROW = "\u2192\u200e"
# Special pages MediaWiki shows as existing (blue) links; others are red.
KNOWN_SPECIAL_PAGES = frozenset({
    "BotPasswords", "ChangeContentModel", "Contributions", "Export", "FileDuplicateSearch",
    "ListFiles", "ListUsers", "Log", "MediaSearch", "NewFiles", "Preferences", "RecentChanges",
    "Search", "SpecialPages", "Upload", "UploadStash", "UserLogin", "UserLogout", "Version",
    "Watchlist",
})

Exists = Callable[[Title], bool]


def _escape(text: str) -> str:
    """PHP ``htmlspecialchars`` with ``ENT_QUOTES``."""
    return html.escape(text, quote=True).replace("&#x27;", "&#039;")


def _url_key(title: Title, settings: Settings) -> str:
    return quote(title.prefixed(settings.sitename).replace(" ", "_"), safe=";@$!*(),/~:")


def _anchor(text: str) -> str:
    return html.unescape(text).replace(" ", "_")


def format_comment(text: str, self_title: Title, settings: Settings, exists: Exists) -> str:
    """``text`` (an edit summary of the page ``self_title``) as MediaWiki's HTML."""
    escaped = _escape(text)
    with_sections = _SectionLinks(self_title, settings).apply(escaped)
    return _WikiLinks(self_title, settings, exists).apply(with_sections)


class _SectionLinks:
    def __init__(self, self_title: Title, settings: Settings) -> None:
        self.self_title = self_title
        self.settings = settings

    def apply(self, comment: str) -> str:
        append: list[str] = []

        def replace(match: re.Match[str]) -> str:
            auto, post = match.group(2), match.group(3)
            section = auto.replace("[[:", "").replace("[[", "").replace("]]", "")
            if section:
                auto = self._link(_anchor(section), ARROW + auto)
            if post:
                auto += ": "
            if auto:
                auto = f'<span dir="auto"><span class="autocomment">{auto}</span>'
                append.append("</span>")
            return auto.replace("[", "&#91;").replace("]", "&#93;")

        return _AUTOCOMMENT.sub(replace, comment) + "".join(append)

    def _link(self, fragment: str, label: str) -> str:
        path = self.settings.article_path.replace("$1", _url_key(self.self_title,
                                                                  self.settings))
        name = _escape(self.self_title.prefixed(self.settings.sitename))
        return f'<a href="{path}#{quote(fragment, safe=":/")}" title="{name}">{label}</a>'


class _WikiLinks:
    def __init__(self, self_title: Title, settings: Settings, exists: Exists) -> None:
        self.self_title = self_title
        self.settings = settings
        self.exists = exists

    def apply(self, comment: str) -> str:
        return _LINK.sub(self._replace, comment)

    def _replace(self, match: re.Match[str]) -> str:
        target, label, rest = match.group(1), match.group(2), match.group(3)
        text = label if label else target
        trail_match = _TRAIL.match(rest)
        inside, trail = (trail_match.group(1), trail_match.group(2)) if trail_match else ("",
                                                                                          rest)
        parsed = self._title(target)
        if parsed is None:
            return match.group(0)
        title, fragment = parsed
        return self._anchor(title, fragment, text + inside) + trail

    def _title(self, target: str) -> tuple[Title, str] | None:
        raw = html.unescape(target).strip()
        page, _, fragment = raw.partition("#")
        if not page.strip():
            return (self.self_title, fragment) if fragment else None
        try:
            title = parse_title(page, site_name=self.settings.sitename)
        except InvalidTitle:
            return None
        return title, fragment

    def _anchor(self, title: Title, fragment: str, text: str) -> str:
        settings = self.settings
        if title.namespace == NS_MEDIA:
            return self._media_link(title, text)
        name = _escape(title.prefixed(settings.sitename))
        key = _url_key(title, settings)
        anchor = f"#{quote(fragment.replace(' ', '_'), safe=':/')}" if fragment else ""
        if self._known(title):
            path = settings.article_path.replace("$1", key)
            return f'<a href="{path}{anchor}" title="{name}">{text}</a>'
        if title.namespace == NS_SPECIAL:
            path = settings.article_path.replace("$1", key)
            return (f'<a href="{path}" class="new" title="{name} (page does not exist)">'
                    f"{text}</a>")
        script = settings.script_path.rstrip("/")
        href = f"{script}/index.php?title={key}&amp;action=edit&amp;redlink=1"
        return f'<a href="{href}" class="new" title="{name} (page does not exist)">{text}</a>'

    def _known(self, title: Title) -> bool:
        if title.namespace == NS_SPECIAL:
            return title.text.split("/", 1)[0] in KNOWN_SPECIAL_PAGES
        return self.exists(title)

    def _media_link(self, title: Title, text: str) -> str:
        file_title = Title(NS_FILE, title.text)
        if self.exists(file_title):
            return self._anchor(file_title, "", text)
        script = self.settings.script_path.rstrip("/")
        dest = quote(title.text.replace(" ", "_"), safe=";@$!*(),/~:")
        href = f"{script}/index.php?title=Special:Upload&amp;wpDestFile={dest}"
        return f'<a href="{href}" class="new" title="{_escape(title.text)}">{text}</a>'
