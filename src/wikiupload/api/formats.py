"""Format modules: json and jsonfm (their parameters; rendering is in output.py)."""

from __future__ import annotations

from typing import Any

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.module import ApiModule
from wikiupload.api.params import Param

JSON_PARAMS = (
    Param("callback", "string", help="If specified, wraps the output into a given function "
          "call. For safety, all user-specific data will be restricted."),
    Param("utf8", "boolean", default=False,
          help="If specified, encodes most (but not all) non-ASCII characters as UTF-8."),
    Param("ascii", "boolean", default=False,
          help="If specified, encodes all non-ASCII using hexadecimal escape sequences."),
    Param("formatversion", ("1", "2", "latest"), default="1", help="Output formatting"),
)


@registry.register
class JsonFormat(ApiModule):
    name = "json"
    group = "format"
    class_name = "ApiFormatJson"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Data_formats"
    params = JSON_PARAMS
    description = "Output data in JSON format."

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        """Formats only declare parameters."""


@registry.register
class JsonFmFormat(JsonFormat):
    name = "jsonfm"
    description = "Output data in JSON format (pretty-print in HTML)."


@registry.register
class NoneFormat(ApiModule):
    name = "none"
    group = "format"
    class_name = "ApiFormatNone"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Data_formats"
    description = "Output nothing."

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        """Formats only declare parameters."""
