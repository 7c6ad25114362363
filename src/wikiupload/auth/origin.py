"""The same-origin policy of api.php: CORS (``origin=``), JSONP (``callback=``).

Requests that a browser could make from any site without the same-origin protection — JSONP,
anonymous CORS (``origin=*``) and requests carrying a ``Treat-as-Untrusted`` header — run as
an anonymous user and cannot obtain tokens or log in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

EXPOSED_HEADERS = "MediaWiki-API-Error, Retry-After, X-Database-Lag, MediaWiki-Login-Suppressed"
MISMATCH_TEXT = "'origin' parameter does not match Origin header\n"


@dataclass(frozen=True)
class OriginPolicy:
    """What the request's origin means for this response."""

    lacks_same_origin: bool = False
    rejected: bool = False           # origin= differs from the Origin header: HTTP 403
    headers: dict[str, str] = field(default_factory=dict)


def lacks_same_origin(params: Mapping[str, str], headers: Mapping[str, str]) -> bool:
    """JSONP, anonymous CORS or an explicitly untrusted request (header names lower-case)."""
    return ("callback" in params or params.get("origin") == "*"
            or "treat-as-untrusted" in headers)


def evaluate(params: Mapping[str, str], headers: Mapping[str, str]) -> OriginPolicy:
    """The policy for a request's parameters and (lower-cased) headers."""
    untrusted = lacks_same_origin(params, headers)
    out: dict[str, str] = {}
    if untrusted:
        out["MediaWiki-Login-Suppressed"] = "true"
    origin = params.get("origin")
    if origin == "*":
        out.update({"Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Credentials": "false",
                    "Access-Control-Expose-Headers": EXPOSED_HEADERS})
    elif origin is not None:
        if origin not in headers.get("origin", "").split():
            return OriginPolicy(untrusted, True, {"Cache-Control": "no-cache"})
        # No cross-site domains are allowed ($wgCrossSiteAJAXdomains is empty).
        out["MediaWiki-CORS-Rejection"] = "Origin mismatch"
    return OriginPolicy(untrusted, False, out)
