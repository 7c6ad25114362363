"""Output: formatversion conversion, error and warning envelopes, JSON serialisation."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from wikiupload.api.context import ApiContext, Warning_
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message, render

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


class Fv1Bool:
    """Marks a boolean that stays a real boolean in formatversion 1 (metadata values)."""

    def __init__(self, value: bool) -> None:
        self.value = value


class JsonNull:
    """A JSON ``null`` kept in the output (plain None values are dropped)."""


JSON_NULL = JsonNull()


# Values that every format version keeps as they are (exact types: bool is not one of them).
_UNCHANGED = frozenset({str, int, float})


def for_formatversion(value: Any, fv2: bool) -> Any:
    """fv1: True -> "" and False keys dropped; fv2: plain booleans. None values are dropped."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None or (item is False and not fv2):
                continue
            out[key] = item if type(item) in _UNCHANGED else for_formatversion(item, fv2)
        return out
    if isinstance(value, (list, tuple)):
        return [item if type(item) in _UNCHANGED else for_formatversion(item, fv2)
                for item in value if item is not None]
    if isinstance(value, Fv1Bool):
        return value.value
    if isinstance(value, JsonNull):
        return None
    if value is True and not fv2:
        return ""
    return value


def message_text(ctx: ApiContext, message: Message, lang: str) -> str:
    return render(message, lang, site_name=ctx.wiki.settings.sitename)


_QUOTING_TAG = re.compile(r"</?(?:var|kbd|samp|code)>")


def plain(text: str) -> str:
    """Plain text of a message: <var>/<kbd>/<samp>/<code> become quotes, other tags go."""
    if "<" not in text and "&" not in text:
        return text
    return html.unescape(_TAG.sub("", _QUOTING_TAG.sub('"', text)))


def docref(ctx: ApiContext) -> str:
    """The help pointer after an error, in the error language (English in bc format)."""
    lang = "en" if ctx.errorformat == "bc" else ctx.errorlang
    see = render(Message("api-usage-docref", (ctx.api_url(),)), lang)
    return f"{see} {render(Message('api-usage-mailinglist-ref'), lang)}"


def _formatted(ctx: ApiContext, message: Message, code: str, module: str) -> dict[str, Any]:
    """One error or warning in the non-bc errorformats."""
    entry: dict[str, Any] = {"code": code}
    text_key = "text" if ctx.fv2 else "*"
    fmt = ctx.errorformat
    if fmt in ("plaintext", "wikitext"):
        text = message_text(ctx, message, ctx.errorlang)
        entry[text_key] = plain(text) if fmt == "plaintext" else text
    elif fmt == "html":
        entry["html" if ctx.fv2 else "*"] = html.escape(
            plain(message_text(ctx, message, ctx.errorlang)), quote=False)
    elif fmt == "raw":
        entry.update(message.as_raw())
    entry["module"] = module
    return entry


def render_warnings(ctx: ApiContext) -> Any:
    if ctx.errorformat == "bc":
        grouped: dict[str, list[str]] = {}
        for warning in ctx.warnings:
            text = plain(message_text(ctx, warning.message, "en"))
            texts = grouped.setdefault(_module_name(warning.module), [])
            if text not in texts:
                texts.append(text)
        key = "warnings" if ctx.fv2 else "*"
        return {module: {key: "\n".join(texts)} for module, texts in grouped.items()}
    return [_formatted(ctx, w.message, w.code, w.module) for w in ctx.warnings]


def _module_name(path: str) -> str:
    return path.rsplit("+", 1)[-1]


def error_result(ctx: ApiContext, error: ApiError) -> dict[str, Any]:
    """The whole response body for an error: earlier output is dropped."""
    out: dict[str, Any] = {}
    if ctx.warnings:
        out["warnings"] = render_warnings(ctx)
    if ctx.errorformat == "bc":
        body: dict[str, Any] = {"code": error.code,
                                "info": plain(message_text(ctx, error.message, "en"))}
        body.update(error.data)
        body["docref" if ctx.fv2 else "*"] = docref(ctx)
        out["error"] = body
    else:
        entry = _formatted(ctx, error.message, error.code, ctx.module_path)
        if error.data and ctx.errorformat != "none":
            entry["data"] = error.data
        out["errors"] = [entry]
        out["docref" if ctx.fv2 else "*"] = docref(ctx)
    for key in ("requestid", "servedby"):
        if key in ctx.result:
            out[key] = ctx.result[key]
    return out


def encode_json(value: Any, ctx: ApiContext, utf8: bool, ascii_only: bool) -> bytes:
    """MediaWiki's JSON: fv1 escapes non-ASCII unless utf8=1; fv2 only with ascii=1."""
    ensure_ascii = ascii_only or (not ctx.fv2 and not utf8)
    return json.dumps(value, ensure_ascii=ensure_ascii, separators=(",", ":")).encode()


def jsonfm_page(body: bytes, api_url: str) -> bytes:
    pretty = json.dumps(json.loads(body), indent=4, ensure_ascii=False)
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"UTF-8\">\n"
        "<title>API result</title>\n</head>\n<body>\n"
        "<p>This is the HTML representation of the JSON format. HTML is good for "
        "debugging, but is unsuitable for application use.</p>\n"
        "<p>Specify the <var>format</var> parameter to change the output format. To see the "
        "non-HTML representation of the JSON format, set <kbd>format=json</kbd>.</p>\n"
        f"<p>See the <a href=\"{html.escape(api_url)}\">complete documentation</a>.</p>\n"
        f"<hr/>\n<pre>{html.escape(pretty, quote=False)}</pre>\n</body>\n</html>\n"
    ).encode()


__all__ = ["JSON_NULL", "Fv1Bool", "JsonNull", "Warning_", "docref", "encode_json",
           "error_result", "for_formatversion", "jsonfm_page", "render_warnings"]
