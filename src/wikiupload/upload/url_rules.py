"""Which URLs an upload by URL accepts: MediaWiki's URL syntax rule and domain allow-list.

One parser (httpx's) reads every URL, for these checks and for the fetch, so a URL cannot
mean one host to the checks and another to the connection.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import httpx

from wikiupload.errors import ApiError
from wikiupload.upload import ssrf

# MWHttpRequest::isValidURI: http or https, a host part, no whitespace.
VALID_URL = re.compile(r"^https?://[^/\s]\S*$")

__all__ = ["VALID_URL", "domain_allowed", "host_matches", "parse_url"]


def parse_url(url: str) -> httpx.URL:
    """The URL to fetch, or ``http-invalid-url`` (not http/https, no host, unparsable)."""
    if not VALID_URL.match(url):
        raise ApiError("http-invalid-url", url)
    parsed: httpx.URL | None
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        parsed = _with_dotted_ipv4(url)
        if parsed is None:
            raise ApiError("http-invalid-url", url) from exc
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise ApiError("http-invalid-url", url)
    return parsed


def _with_dotted_ipv4(url: str) -> httpx.URL | None:
    """The URL with a numeric host httpx refuses (``0177.0.0.1``, ``1.2.3.0x4``) rewritten
    in dotted decimal, as resolvers read it; None if the host is no such address.

    The rewritten URL is what gets checked and fetched, so nothing depends on the two
    parsers agreeing."""
    try:
        parts = urlsplit(url)
        address = ssrf.parse_ipv4(parts.hostname or "")
        port = parts.port
    except ValueError:
        return None
    if address is None:
        return None
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + str(address) + (
        f":{port}" if port is not None else "")
    try:
        return httpx.URL(urlunsplit(parts._replace(netloc=netloc)))
    except (httpx.InvalidURL, ValueError):
        return None


def host_matches(host: str, pattern: str) -> bool:
    """MediaWiki's rule (UploadFromUrl::isAllowedHost): the same number of dot-separated
    labels, each equal or ``*`` (``*.example.org`` matches ``a.example.org`` only)."""
    labels, wanted = host.lower().split("."), pattern.lower().split(".")
    return len(labels) == len(wanted) and all(
        want in ("*", label) for want, label in zip(wanted, labels, strict=True))


def domain_allowed(url: str | httpx.URL, domains: Sequence[str]) -> bool:
    """Whether the URL's host is in ``copy_upload_domains`` (an empty list allows any)."""
    if not domains:
        return True
    try:
        host = (url if isinstance(url, httpx.URL) else httpx.URL(url)).host
    except (httpx.InvalidURL, ValueError):
        return False
    return bool(host) and any(host_matches(host, pattern) for pattern in domains)
