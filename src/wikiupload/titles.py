"""Page titles: namespaces, normalisation and validity, as MediaWiki's TitleParser does it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from wikiupload.i18n.messages import Message


@dataclass(frozen=True)
class Namespace:
    id: int
    canonical: str
    subpages: bool = False
    content: bool = False
    case: str = "first-letter"


NAMESPACES: tuple[Namespace, ...] = (
    Namespace(-2, "Media"),
    Namespace(-1, "Special"),
    Namespace(0, "", content=True),
    Namespace(1, "Talk", subpages=True),
    Namespace(2, "User", subpages=True),
    Namespace(3, "User talk", subpages=True),
    Namespace(4, "Project", subpages=True),
    Namespace(5, "Project talk", subpages=True),
    Namespace(6, "File"),
    Namespace(7, "File talk", subpages=True),
    Namespace(8, "MediaWiki", subpages=True),
    Namespace(9, "MediaWiki talk", subpages=True),
    Namespace(10, "Template", subpages=True),
    Namespace(11, "Template talk", subpages=True),
    Namespace(12, "Help", subpages=True),
    Namespace(13, "Help talk", subpages=True),
    Namespace(14, "Category"),
    Namespace(15, "Category talk", subpages=True),
)
NS_MEDIA, NS_SPECIAL, NS_MAIN, NS_FILE = -2, -1, 0, 6
NS_PROJECT, NS_PROJECT_TALK = 4, 5
NAMESPACE_ALIASES: tuple[tuple[str, int], ...] = (("Image", 6), ("Image talk", 7))
MAX_TITLE_BYTES = 255
_ILLEGAL = re.compile(r"[<>\[\]|{}\x00-\x1f\x7f\ufffd]")
_SPACES = re.compile(r"[ _\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e]")


@dataclass(frozen=True)
class Title:
    namespace: int
    text: str           # without the namespace prefix, spaces not underscores

    def prefixed(self, site_name: str = "Project") -> str:
        prefix = namespace_name(self.namespace, site_name)
        return f"{prefix}:{self.text}" if prefix else self.text

    @property
    def db_key(self) -> str:
        return self.text.replace(" ", "_")


def file_title(name: str) -> Title:
    """The File: page of a file, from its name as stored (a DB key, with underscores)."""
    return Title(NS_FILE, name.replace("_", " "))


class InvalidTitle(ValueError):
    def __init__(self, message: Message) -> None:
        super().__init__(message.key)
        self.message = message


def namespace_name(ns: int, site_name: str = "Project") -> str:
    if ns == NS_PROJECT:
        return site_name
    if ns == NS_PROJECT_TALK:
        return f"{site_name} talk"
    for namespace in NAMESPACES:
        if namespace.id == ns:
            return namespace.canonical
    return ""


def _namespace_lookup(site_name: str) -> dict[str, int]:
    names = {ns.canonical.lower(): ns.id for ns in NAMESPACES if ns.canonical}
    names.update({alias.lower(): ns for alias, ns in NAMESPACE_ALIASES})
    names[site_name.lower()] = NS_PROJECT
    names[f"{site_name} talk".lower()] = NS_PROJECT_TALK
    return names


def parse_title(text: str, default_ns: int = NS_MAIN, site_name: str = "Project") -> Title:
    """Normalise a user-given title; raises InvalidTitle with MediaWiki's reason message."""
    text = unicodedata.normalize("NFC", text)
    text = _BIDI.sub("", text)
    text = _SPACES.sub(" ", text).strip(" ")
    if "#" in text:
        text = text.split("#", 1)[0].rstrip(" ")
    if text.startswith(":"):
        text = text[1:].lstrip(" ")
    if not text:
        raise InvalidTitle(Message("title-invalid-empty"))
    namespace = default_ns
    if ":" in text:
        prefix, rest = text.split(":", 1)
        found = _namespace_lookup(site_name).get(prefix.strip(" ").lower())
        if found is not None:
            namespace, text = found, rest.strip(" ")
            if not text:
                raise InvalidTitle(Message("title-invalid-empty"))
    if text.startswith(":"):        # one leading colon was the main-namespace marker
        raise InvalidTitle(Message("title-invalid-leading-colon"))
    match = _ILLEGAL.search(text)
    if match:
        raise InvalidTitle(Message("title-invalid-characters", (match.group(0),)))
    if text in (".", "..") or text.startswith(("./", "../")) or "/./" in text \
            or "/../" in text or text.endswith(("/.", "/..")):
        raise InvalidTitle(Message("title-invalid-relative"))
    if "~~~" in text:
        raise InvalidTitle(Message("title-invalid-magic-tilde"))
    if len(text.encode()) > MAX_TITLE_BYTES and namespace != NS_SPECIAL:
        raise InvalidTitle(Message("title-invalid-too-long", (MAX_TITLE_BYTES,)))
    text = text[0].upper() + text[1:]
    return Title(namespace, text)
