"""Render messages: parameter substitution, PLURAL, number formatting, language fallback."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

FALLBACK = "en"
_PLURAL = re.compile(r"\{\{PLURAL:\s*([^|}]*)\|([^{}]*)\}\}")
_NS_PROJECT = re.compile(r"\{\{ns:project\}\}")
_GENDER = re.compile(r"\{\{GENDER:[^|}]*\|([^|}]*)(?:\|[^{}]*)?\}\}")
_PARAM = re.compile(r"\$(\d+)")


@dataclass(frozen=True)
class Message:
    """A message key with its parameters; parameters may themselves be messages."""

    key: str
    params: tuple[Any, ...] = field(default_factory=tuple)

    def as_raw(self) -> dict[str, Any]:
        """The errorformat=raw shape: key and params, nested messages as {"message": ...}."""
        return {"key": self.key, "params": [_raw_param(p) for p in self.params]}


@dataclass(frozen=True)
class Num:
    """A number parameter, formatted with the language's digit grouping."""

    value: int | float


def _raw_param(param: Any) -> Any:
    if isinstance(param, Message):
        return {"message": param.as_raw()}
    if isinstance(param, Num):
        return {"num": param.value}
    return param


@cache
def _catalogue(lang: str) -> dict[str, str]:
    try:
        text = resources.files("wikiupload.i18n").joinpath(f"{lang}.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    data: dict[str, str] = json.loads(text)
    data.pop("@metadata", None)
    return data


def available_languages() -> list[str]:
    return sorted(
        entry.name[:-5] for entry in resources.files("wikiupload.i18n").iterdir()
        if entry.name.endswith(".json")
    )


def has_message(key: str) -> bool:
    return key in _catalogue(FALLBACK)


def template(key: str, lang: str = FALLBACK) -> str:
    """The raw text of a key in a language, falling back to English, then to the key."""
    for code in (lang, FALLBACK):
        text = _catalogue(code).get(key)
        if text is not None:
            return text
    return f"⧼{key}⧽"


def _format_number(value: int | float, lang: str) -> str:
    sep = {"fr": "\u202f", "de": "."}.get(lang, ",")
    if isinstance(value, float) and not value.is_integer():
        whole, frac = f"{value:.2f}".split(".")
        return f"{int(whole):,}".replace(",", sep) + "." + frac
    return f"{int(value):,}".replace(",", sep)


def _plural_form(count_text: str, forms: list[str], lang: str) -> str:
    digits = re.sub(r"[^\d.-]", "", count_text)
    try:
        count = float(digits)
    except ValueError:
        count = 0
    if lang == "th":
        return forms[-1]
    one = count in (0, 1) if lang == "fr" else count == 1
    return forms[0] if one or len(forms) == 1 else forms[1]


def render(message: Message | str, lang: str = FALLBACK, *, site_name: str = "Project") -> str:
    """The message as text (wikitext links are kept, as MediaWiki's plain text does)."""
    if isinstance(message, str):
        return message
    params = [_param_text(p, lang, site_name) for p in message.params]
    text = _PARAM.sub(
        lambda m: params[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(params)
        else m.group(0), template(message.key, lang))
    text = _NS_PROJECT.sub(site_name, text)
    text = _GENDER.sub(lambda m: m.group(1), text)
    while True:
        new = _PLURAL.sub(
            lambda m: _plural_form(m.group(1), m.group(2).split("|"), lang), text)
        if new == text:
            return text
        text = new


def _param_text(param: Any, lang: str, site_name: str) -> str:
    if isinstance(param, Message):
        return render(param, lang, site_name=site_name)
    if isinstance(param, Num):
        return _format_number(param.value, lang)
    if isinstance(param, (list, tuple)):
        return ", ".join(_param_text(p, lang, site_name) for p in param)
    return str(param)
