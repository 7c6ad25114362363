"""Which URLs an upload by URL accepts: MediaWiki's URL syntax rule and domain allow-list.

One parser (httpx's) reads every URL, for these checks and for the fetch, so a URL cannot
mean one host to the checks and another to the connection.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import httpx

from wikiupload.errors import ApiError

# MWHttpRequest::isValidURI: http or https, a host part, no whitespace.
VALID_URL = re.compile(r"^https?://[^/\s]\S*$")

__all__ = ["VALID_URL", "domain_allowed", "host_matches", "parse_url"]


def parse_url(url: str) -> httpx.URL:
    """The URL to fetch, or ``http-invalid-url`` (not http/https, no host, unparsable)."""
    if not VALID_URL.match(url):
        raise ApiError("http-invalid-url", url)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ApiError("http-invalid-url", url) from exc
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise ApiError("http-invalid-url", url)
    return parsed


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
