"""Render messages: parameter substitution, PLURAL, number formatting, language fallback.

Catalogues are JSON files in this package, one per language, keyed by MediaWiki message key.
A text missing from a language is taken from the next language of its fallback chain (the
language's MediaWiki fallbacks that have a catalogue here, then English). As in MediaWiki,
numbers are formatted for the requested language, while ``{{PLURAL}}`` follows the rules of
the language the text was found in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from importlib import resources
from typing import Any

FALLBACK = "en"
_PLURAL = re.compile(r"\{\{PLURAL:\s*([^|}]*)\|([^{}]*)\}\}")
_NS_PROJECT = re.compile(r"\{\{ns:project\}\}")
_GENDER = re.compile(r"\{\{GENDER:[^|}]*\|([^|}]*)(?:\|[^{}]*)?\}\}")
_PARAM = re.compile(r"\$(\d+)")
_EXPLICIT_FORM = re.compile(r"\d+=")

# Each language's name in itself (MediaWiki's Names.php).
AUTONYMS: dict[str, str] = {"en": "English", "de": "Deutsch", "fr": "français", "th": "ไทย"}

# MediaWiki's $fallback chains (languages/messages/Messages*.php), kept for the languages
# that end up in a catalogue other than English. English is always the last resort.
_FALLBACKS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("bar", "de-at", "de-ch", "de-formal", "frr", "gsw", "hrx", "ksh", "lb",
                     "nds", "pdc", "pdt", "pfl", "sli", "stq", "vmf"), ("de",)),
    "dsb": ("hsb", "de"), "hsb": ("dsb", "de"),
    **dict.fromkeys(("atj", "bci", "bm", "fon", "frc", "frp", "gcr", "ht", "kab", "kbp", "ln",
                     "mg", "pcd", "ses", "sg", "shy-latn", "ty", "wa", "wls", "wo"), ("fr",)),
    "avk": ("fr", "es", "ru"), "nrm": ("nrf", "fr"), "oc": ("ca", "fr"),
    "shi": ("shi-latn", "fr"),
}

# Digit grouping and decimal separators ($separatorTransformTable); absent: English's.
_SEPARATORS: dict[str, tuple[str, str]] = {
    "en": (",", "."),
    "de": (".", ","),
    "de-ch": ("'", ","),
    "fr": ("\u00a0", ","),
    "frp": ("\u00a0", ","),
}

# Characters that make a language code invalid (LanguageNameUtils::isValidCode and the
# title-invalid characters); MediaWiki then uses the content language.
_INVALID_CODE = re.compile(
    r"[:/\\\x00&<>'\"#\[\]|{}\x01-\x1f\x7f]|%[0-9A-Fa-f]{2}")


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
    """The texts of one language (only called for codes from :func:`available_languages`)."""
    try:
        text = resources.files("wikiupload.i18n").joinpath(f"{lang}.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    data: dict[str, Any] = json.loads(text)
    data.pop("@metadata", None)
    return {key: value for key, value in data.items() if isinstance(value, str)}


@cache
def _available() -> frozenset[str]:
    return frozenset(
        entry.name[:-5] for entry in resources.files("wikiupload.i18n").iterdir()
        if entry.name.endswith(".json")
    )


def available_languages() -> list[str]:
    """Codes of the languages that have a catalogue, sorted."""
    return sorted(_available())


def language_name(code: str) -> str:
    """The language's name in itself (the code when it is not known)."""
    return AUTONYMS.get(code, code)


def sanitize_code(code: str, default: str) -> str:
    """RequestContext::sanitizeLangCode: lower-case; empty, invalid or ``qqq`` -> default."""
    code = code.translate(_ASCII_LOWER)
    if not code or code == "qqq" or _INVALID_CODE.search(code):
        return default
    return code


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=512)
def fallback_chain(lang: str) -> tuple[str, ...]:
    """The catalogues a text is looked up in, in order; always ends with English."""
    chain: list[str] = []
    for code in (lang, *_FALLBACKS.get(lang, ()), FALLBACK):
        if code in _available() and code not in chain:
            chain.append(code)
    return tuple(chain)


def has_message(key: str) -> bool:
    return key in _catalogue(FALLBACK)


def _lookup(key: str, lang: str) -> tuple[str, str] | None:
    """The text of a key and the language it was found in."""
    for code in fallback_chain(lang):
        text = _catalogue(code).get(key)
        if text is not None:
            return text, code
    return None


def template(key: str, lang: str = FALLBACK) -> str:
    """The raw text of a key in a language, falling back along the chain, then to the key."""
    found = _lookup(key, lang)
    return found[0] if found is not None else f"⧼{key}⧽"


# -- numbers ---------------------------------------------------------------------------

def _separators(lang: str) -> tuple[str, str]:
    for code in (lang, *_FALLBACKS.get(lang, ())):
        if code in _SEPARATORS:
            return _SEPARATORS[code]
    return _SEPARATORS[FALLBACK]


def format_number(value: int | float, lang: str = FALLBACK) -> str:
    """Language::formatNum: 1,024 (en), 1.024 (de), 1 024 with a no-break space (fr)."""
    group, decimal = _separators(lang)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if isinstance(value, float) and not value.is_integer():
        whole, _, frac = f"{value:.6f}".rstrip("0").partition(".")
        return sign + f"{int(whole):,}".replace(",", group) + decimal + frac
    return sign + f"{int(value):,}".replace(",", group)


def parse_number(text: str, lang: str = FALLBACK) -> Decimal | None:
    """Language::parseFormattedNumber: undo the language's separators."""
    group, decimal = _separators(lang)
    text = text.strip().replace("\u2212", "-").replace(group, "")
    if decimal != ".":
        text = text.replace(decimal, ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# -- plurals ---------------------------------------------------------------------------

def _one_if_integer_one(number: Decimal) -> int:
    # CLDR "i = 1 and v = 0" (en, de): 1 is singular, 1.0 and 0 are not.
    visible_fraction = max(0, -int(number.as_tuple().exponent))
    return 0 if abs(number) == 1 and visible_fraction == 0 else 1


def _one_if_zero_or_one(number: Decimal) -> int:
    # CLDR "i = 0,1" (fr): 0, 1 and 1.5 are singular.
    return 0 if int(abs(number)) in (0, 1) else 1


def _only_other(number: Decimal) -> int:
    # Thai has no plural forms: the first (only) form is used.
    return 0


# The index of the plural form per language (MediaWiki's plurals.xml, CLDR).
PLURAL_RULES: dict[str, Callable[[Decimal], int]] = {
    "en": _one_if_integer_one,
    "de": _one_if_integer_one,
    "fr": _one_if_zero_or_one,
    "th": _only_other,
}


def plural_form(count_text: str, forms: list[str], lang: str,
                number_lang: str | None = None) -> str:
    """Language::convertPlural: explicit ``N=`` forms first, then the language's rule.

    ``count_text`` is the formatted count, parsed with ``number_lang``'s separators.
    """
    number = parse_number(count_text, number_lang or lang)
    count = number if number is not None else Decimal(0)
    plain: list[str] = []
    for form in forms:
        if _EXPLICIT_FORM.search(form):
            wanted, _, text = form.partition("=")
            if number is not None and wanted.strip() == _php_number_string(count):
                return text
            continue
        plain.append(form)
    if not plain:
        return ""
    rule = PLURAL_RULES.get(lang, PLURAL_RULES[FALLBACK])
    return plain[min(rule(count), len(plain) - 1)]


def _php_number_string(number: Decimal) -> str:
    return str(int(number)) if number == number.to_integral_value() else str(number)


# -- rendering -------------------------------------------------------------------------

def render(message: Message | str, lang: str = FALLBACK, *, site_name: str = "Project") -> str:
    """The message as text (wikitext links are kept, as MediaWiki's plain text does)."""
    if isinstance(message, str):
        return message
    params = [_param_text(p, lang, site_name) for p in message.params]
    found = _lookup(message.key, lang)
    raw, text_lang = found if found is not None else (f"⧼{message.key}⧽", FALLBACK)
    text = _PARAM.sub(
        lambda m: params[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(params)
        else m.group(0), raw)
    text = _NS_PROJECT.sub(site_name, text)
    text = _GENDER.sub(lambda m: m.group(1), text)
    while True:
        new = _PLURAL.sub(
            lambda m: plural_form(m.group(1), m.group(2).split("|"), text_lang, lang), text)
        if new == text:
            return text
        text = new


def _param_text(param: Any, lang: str, site_name: str) -> str:
    if isinstance(param, Message):
        return render(param, lang, site_name=site_name)
    if isinstance(param, Num):
        return format_number(param.value, lang)
    if isinstance(param, (list, tuple)):
        return ", ".join(_param_text(p, lang, site_name) for p in param)
    return str(param)
