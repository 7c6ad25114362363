"""The language a page is shown in: ``uselang=``, else the browser's Accept-Language, else
English."""

from __future__ import annotations

from collections.abc import Mapping

from wikiupload.i18n.messages import FALLBACK, available_languages, fallback_chain, sanitize_code

__all__ = ["page_language", "preferred_languages"]


def page_language(query: Mapping[str, str], accept_language: str | None) -> str:
    """``uselang`` when it is a valid code; else the first accepted language that has texts
    here (directly or through its fallbacks); else English."""
    asked = sanitize_code(query.get("uselang", ""), "")
    if asked and asked != "user":
        return asked
    known = set(available_languages())
    for code in preferred_languages(accept_language or ""):
        if code in known:
            return code
        chain = fallback_chain(code)
        if chain[0] != FALLBACK or code.split("-")[0] == FALLBACK:
            return code if chain[0] == code else chain[0]
        base = code.split("-")[0]
        if base in known:
            return base
    return FALLBACK


def preferred_languages(header: str) -> list[str]:
    """Language codes of an Accept-Language header, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        code, _, params = part.strip().partition(";")
        code = sanitize_code(code.strip(), "")
        if not code or code == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, code))
    return [code for _, _, code in sorted(ranked)]
