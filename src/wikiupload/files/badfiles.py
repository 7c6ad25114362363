"""The bad image list (``MediaWiki:Bad image list``): files not to be shown inline.

Only lines starting with ``*`` count. The first link of such a line names a file; further
links name the pages where it may still be shown.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session as DbSession

from wikiupload.pages import find_page, latest_revision
from wikiupload.titles import NS_FILE, NS_MEDIA, InvalidTitle, Title, parse_title

__all__ = ["BadFiles"]

NS_MEDIAWIKI = 8
_LINK = re.compile(r"\[\[:?([^\]|#]+)")


class BadFiles:
    """The parsed list of one request (read once)."""

    def __init__(self, db: DbSession, site_name: str) -> None:
        self.entries: dict[str, set[Title]] = {}
        page = find_page(db, Title(NS_MEDIAWIKI, "Bad image list"))
        revision = latest_revision(db, page) if page is not None else None
        if revision is not None:
            self._parse(revision.content, site_name)

    def _parse(self, text: str, site_name: str) -> None:
        for line in text.splitlines():
            if not line.startswith("*"):
                continue
            titles = []
            for target in _LINK.findall(line):
                try:
                    titles.append(parse_title(target.strip(), site_name=site_name))
                except InvalidTitle:
                    continue
            if titles and titles[0].namespace in (NS_FILE, NS_MEDIA):
                self.entries[titles[0].text.replace(" ", "_")] = set(titles[1:])

    def is_bad(self, name: str, context: Title | None = None) -> bool:
        exceptions = self.entries.get(name)
        if exceptions is None:
            return False
        return context is None or context not in exceptions
