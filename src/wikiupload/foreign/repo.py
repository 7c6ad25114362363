"""ForeignApiRepo: a wiki's files seen through its api.php (MediaWiki's ForeignAPIRepo).

Lookups are by name (``prop=imageinfo``) and by content (``list=allimages&aisha1=``).
Answers, found or not, are kept in memory for the repository's ``cache_seconds``. A request
that fails (refused, timed out, not JSON, an API error) is logged and counts as "not found";
after a failure the repository is skipped for a short while so a dead one costs an upload
at most one time-out.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from wikiupload.wiki import Wiki

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 3.0          # seconds, connect and read
FAILURE_BACKOFF = 30.0         # seconds a failed repository is not asked again
USER_AGENT = "wikiupload ForeignApiRepo"

# What is fetched for every file; the local prop=imageinfo keeps the props it was asked for.
BASE_IIPROP = ("timestamp", "user", "comment", "url", "size", "sha1", "mime", "mediatype",
               "canonicaltitle", "metadata", "commonmetadata", "bitdepth")
DESCRIPTION_IIPROP = ("parsedcomment", "extmetadata")


@dataclass(frozen=True)
class ForeignFile:
    """A file of a foreign repository: its name there and its current imageinfo entry."""

    repo: str
    name: str               # DB key (underscores)
    info: dict[str, Any]
    description_url: str = ""


class ForeignApiRepo:
    def __init__(self, name: str, api_url: str, *, cache_seconds: float = 3600.0,
                 fetch_descriptions: bool = False, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = name
        self.api_url = api_url
        self.cache_seconds = float(cache_seconds)
        self.fetch_descriptions = fetch_descriptions
        self.timeout = float(timeout)
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._down_until = 0.0

    @classmethod
    def from_config(cls, table: Mapping[str, Any]) -> ForeignApiRepo:
        return cls(str(table["name"]), str(table["api_url"]),
                   cache_seconds=float(table.get("cache_seconds", 3600)),
                   fetch_descriptions=bool(table.get("fetch_descriptions", False)),
                   timeout=float(table.get("timeout", DEFAULT_TIMEOUT)))

    # -- lookups ------------------------------------------------------------------------

    def find_file(self, name: str, *, url_width: int = -1,
                  url_height: int = -1) -> ForeignFile | None:
        """The current version of File:<name>, or None (missing, or the repository failed)."""
        key = ("file", name, url_width, url_height)
        cached = self._cached(key)
        if cached is not None:
            return cached[0]  # type: ignore[no-any-return]
        props = BASE_IIPROP + (DESCRIPTION_IIPROP if self.fetch_descriptions else ())
        params: dict[str, Any] = {"action": "query", "titles": f"File:{name}",
                                  "prop": "imageinfo", "iiprop": "|".join(props)}
        if url_width > 0:
            params["iiurlwidth"] = url_width
        if url_height > 0:
            params["iiurlheight"] = url_height
        data = self._get(params)
        if data is None:
            return None
        found = _file_of(self.name, data)
        self._store(key, (found,))
        return found

    def find_by_sha1(self, sha1_hex: str) -> list[str]:
        """Names (DB keys) of the repository's current files with this content."""
        key = ("sha1", sha1_hex.lower())
        cached = self._cached(key)
        if cached is not None:
            return list(cached[0])
        data = self._get({"action": "query", "list": "allimages", "aisha1": sha1_hex.lower(),
                          "aiprop": "sha1", "ailimit": 500})
        if data is None:
            return []
        rows = data.get("query", {}).get("allimages", [])
        names = [str(row["name"]).replace(" ", "_") for row in rows
                 if isinstance(row, dict) and "name" in row]
        self._store(key, (names,))
        return list(names)

    # -- plumbing -----------------------------------------------------------------------

    def _cached(self, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._cache[key]
                return None
            return entry[1]  # type: ignore[no-any-return]

    def _store(self, key: tuple[Any, ...], value: tuple[Any, ...]) -> None:
        if self.cache_seconds <= 0:
            return
        with self._lock:
            self._cache[key] = (time.monotonic() + self.cache_seconds, value)

    def _get(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The decoded answer of one API request, or None after logging why it failed."""
        if time.monotonic() < self._down_until:
            return None
        query = {**params, "format": "json", "formatversion": "2"}
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False,
                              headers={"User-Agent": USER_AGENT}) as client:
                response = client.get(self.api_url, params=query)
            response.raise_for_status()
            data = response.json()
            if not isinstance(data, dict):
                raise ValueError("the answer is not a JSON object")
            if "error" in data:
                raise ValueError(f"API error {data['error'].get('code')!r}")
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("foreign repository %s (%s) failed: %s", self.name, self.api_url, exc)
            self._down_until = time.monotonic() + min(FAILURE_BACKOFF, self.timeout * 10)
            return None
        return data


def _file_of(repo: str, data: dict[str, Any]) -> ForeignFile | None:
    pages = data.get("query", {}).get("pages", [])
    if isinstance(pages, dict):          # formatversion=1 answers
        pages = list(pages.values())
    for page in pages:
        infos = page.get("imageinfo") if isinstance(page, dict) else None
        if not infos or page.get("missing") and not page.get("imagerepository"):
            continue
        info = dict(infos[0])
        title = str(page.get("title", ""))
        name = title.split(":", 1)[1] if ":" in title else title
        return ForeignFile(repo, name.replace(" ", "_"), info,
                           str(info.get("descriptionurl", "")))
    return None


# -- the repositories of a wiki -----------------------------------------------------------

_GROUPS: dict[int, tuple[weakref.ref[Any], list[ForeignApiRepo]]] = {}
_GROUPS_LOCK = threading.Lock()


def foreign_repos(wiki: Wiki) -> list[ForeignApiRepo]:
    """The foreign repositories configured for this wiki (one cache per wiki object)."""
    tables: Sequence[Mapping[str, Any]] = getattr(wiki.settings, "foreign_file_repos", ())
    if not tables:
        return []
    with _GROUPS_LOCK:
        entry = _GROUPS.get(id(wiki))
        if entry is not None and entry[0]() is wiki:
            return entry[1]
        for key in [k for k, (ref, _) in _GROUPS.items() if ref() is None]:
            del _GROUPS[key]
        repos = [ForeignApiRepo.from_config(table) for table in tables]
        _GROUPS[id(wiki)] = (weakref.ref(wiki), repos)
        return repos


def find_foreign_file(wiki: Wiki, name: str, *, url_width: int = -1,
                      url_height: int = -1) -> ForeignFile | None:
    """The file in the first foreign repository that has it (RepoGroup::findFile order)."""
    for repo in foreign_repos(wiki):
        found = repo.find_file(name, url_width=url_width, url_height=url_height)
        if found is not None:
            return found
    return None


def foreign_duplicates(wiki: Wiki, sha1_hex: str) -> list[str]:
    """Names of files with this content in all foreign repositories."""
    names: list[str] = []
    for repo in foreign_repos(wiki):
        names.extend(repo.find_by_sha1(sha1_hex))
    return names


# Keys of an imageinfo entry by the iiprop that produces them (ApiQueryImageInfo::getInfo).
_KEYS_OF_PROP: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp",),
    "user": ("user", "userhidden"),
    "userid": ("userid", "userhidden"),
    "comment": ("comment", "commenthidden"),
    "parsedcomment": ("parsedcomment", "commenthidden"),
    "canonicaltitle": ("canonicaltitle",),
    "url": ("thumburl", "thumbwidth", "thumbheight", "responsiveUrls", "thumberror", "url",
            "descriptionurl", "descriptionshorturl"),
    "size": ("size", "width", "height", "pagecount", "duration"),
    "dimensions": ("size", "width", "height", "pagecount", "duration"),
    "sha1": ("sha1",),
    "mime": ("mime",),
    "thumbmime": ("thumbmime",),
    "mediatype": ("mediatype",),
    "metadata": ("metadata",),
    "commonmetadata": ("commonmetadata",),
    "extmetadata": ("extmetadata",),
    "bitdepth": ("bitdepth",),
}


def imageinfo_entry(found: ForeignFile, props: set[str]) -> dict[str, Any]:
    """The foreign entry cut down to the asked props, in the order the repository gave."""
    wanted = {key for prop in props for key in _KEYS_OF_PROP.get(prop, ())}
    entry = {key: value for key, value in found.info.items() if key in wanted}
    if "userid" in props and "userid" not in entry:
        entry["userid"] = 0      # ForeignAPIFile: the uploader has no local id
    return entry
