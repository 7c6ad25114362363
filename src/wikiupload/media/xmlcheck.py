"""Streaming XML check: well-formedness, root element, and a filter over every element.

This is the equivalent of MediaWiki's XmlTypeCheck, built on expat without namespace
processing (namespaces are resolved here, so an unbound prefix is reported rather than fatal).

Safety: parameter entities are never read, external entities are never fetched, and a
DOCTYPE is accepted only if its internal subset holds nothing but short, flat internal
entities, comments and the xlink ATTLIST that SVG editors write. Any other internal subset
makes the document "not well-formed" and parsing stops at the end of the DOCTYPE, before any
entity is expanded (so "billion laughs" never runs).
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

XML_NS = "http://www.w3.org/XML/1998/namespace"
READ_BLOCK = 64 * 1024
MAX_DTD_BYTES = 1024 * 1024

# Filter callbacks return a truthy "match" (usually a list of message key and params) or None.
FilterResult = Any
ElementFilter = Callable[[str, dict[str, str], str], FilterResult]
PIFilter = Callable[[str, str], FilterResult]
DTDFilter = Callable[[str, str | None, str | None], FilterResult]

_DOCTYPE = re.compile(
    r"<!DOCTYPE\s*\S+\s*"
    r"(?:(?P<public>PUBLIC)\s*(?:\"(?P<pub1>[^\"]*)\"|'(?P<pub2>[^']*)')\s*\"(?P<sys1>[^\"]*)\""
    r"|'(?P<sys2>[^']*)'"
    r"|(?P<system>SYSTEM)\s*(?:\"(?P<sys3>[^\"]*)\"|'(?P<sys4>[^']*)'))?"
    r"\s*(?:\[\s*(?P<internal>.*)\])?\s*>",
    re.S,
)
_SAFE_SUBSET = re.compile(
    r"(?:\s*<!ENTITY\s+\S+\s+"
    r"(?:\"(?:&[^\"%&;]{1,64};|(?:[^\"%&]|&amp;|&quot;){0,255})\""
    r"|'(?:&[^\"%&;]{1,64};|(?:[^'%&]|&amp;|&apos;){0,255})')\s*>"
    r"|\s*<!--(?:[^-]|-[^-])*-->"
    r"|\s*<!ATTLIST svg xmlns:xlink CDATA #FIXED \"http://www\.w3\.org/1999/xlink\">)*\s*",
)


class _Stop(Exception):
    """Raised inside a handler to abandon parsing (document judged not well-formed)."""


@dataclass
class XmlCheckResult:
    well_formed: bool = False
    root_element: str = ""
    root_attributes: dict[str, str] = field(default_factory=dict)
    filter_match: FilterResult = None


@dataclass
class _Element:
    name: str
    attrs: dict[str, str]
    namespaces: dict[str, str]
    data: list[str] = field(default_factory=list)


def _encoding_of(head: bytes) -> str:
    """How to decode raw prolog bytes for the DOCTYPE check."""
    if head.startswith((b"\xff\xfe", b"<\x00")):
        return "utf-16-le"
    if head.startswith((b"\xfe\xff", b"\x00<")):
        return "utf-16-be"
    return "latin-1"


class XmlChecker:
    """Parse one document, calling the filters; see :func:`check_xml`."""

    def __init__(self, element_filter: ElementFilter | None = None,
                 pi_filter: PIFilter | None = None,
                 dtd_filter: DTDFilter | None = None) -> None:
        self.element_filter = element_filter
        self.pi_filter = pi_filter
        self.dtd_filter = dtd_filter
        self.result = XmlCheckResult()
        self._stack: list[_Element] = []
        self._text: list[str] = []
        self._doctype_start = -1
        self._doctype: tuple[str, bool] = ("", False)
        self._source: IO[bytes] | None = None
        self._parser = self._make_parser()

    def _make_parser(self) -> Any:
        parser = xml.parsers.expat.ParserCreate()
        parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text.append
        parser.ProcessingInstructionHandler = self._pi
        parser.CommentHandler = self._boundary
        parser.StartCdataSectionHandler = self._boundary_no_arg
        parser.EndCdataSectionHandler = self._boundary_no_arg
        parser.StartDoctypeDeclHandler = self._doctype_begin
        parser.EndDoctypeDeclHandler = self._doctype_end
        parser.ExternalEntityRefHandler = lambda *args: 1   # never fetch, ignore
        parser.SkippedEntityHandler = self._skipped
        return parser

    def run(self, source: IO[bytes]) -> XmlCheckResult:
        self._source = source
        first = True
        try:
            while True:
                block = source.read(READ_BLOCK)
                if first and not block:
                    return self.result
                first = False
                self._parser.Parse(block, not block)
                if not block:
                    break
        except (_Stop, xml.parsers.expat.ExpatError, ValueError, LookupError):
            self.result.well_formed = False
            return self.result
        self.result.well_formed = not self._stack and self.result.root_element != ""
        return self.result

    # -- matches -------------------------------------------------------------------------
    def _record(self, match: FilterResult) -> None:
        if match:
            self.result.filter_match = match

    # -- text ----------------------------------------------------------------------------
    def _flush_text(self) -> None:
        if self._text and self._stack:
            self._stack[-1].data.append("".join(self._text).strip())
        self._text.clear()

    def _boundary(self, _data: str) -> None:
        self._flush_text()

    def _boundary_no_arg(self) -> None:
        self._flush_text()

    def _skipped(self, name: str, is_parameter: bool) -> None:
        # An entity declared nowhere we read: the reference stays unresolved.
        raise _Stop(name)

    # -- elements ------------------------------------------------------------------------
    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._flush_text()
        namespaces = dict(self._stack[-1].namespaces) if self._stack else {"xml": XML_NS}
        plain: dict[str, str] = {}
        for attr, value in attributes.items():
            if attr == "xmlns":
                namespaces[""] = value
            elif attr.startswith("xmlns:"):
                namespaces[attr[6:]] = value
            else:
                plain[attr] = value
        expanded = {_expand(attr, namespaces, False): value for attr, value in plain.items()}
        element = _Element(_expand(name, namespaces, True), expanded, namespaces)
        if not self.result.root_element:
            self.result.root_element = element.name
            self.result.root_attributes = element.attrs
        self._stack.append(element)

    def _end(self, _name: str) -> None:
        self._flush_text()
        element = self._stack.pop()
        if self.element_filter is not None:
            self._record(self.element_filter(element.name, element.attrs, "".join(element.data)))

    def _pi(self, target: str, data: str) -> None:
        self._flush_text()
        if self.pi_filter is not None:
            self._record(self.pi_filter(target, data))

    # -- DOCTYPE -------------------------------------------------------------------------
    def _doctype_begin(self, name: str, system_id: str | None, public_id: str | None,
                       has_internal_subset: int) -> None:
        # The parser re-serialises the declaration (as libxml2 does): quoted identifiers,
        # then the internal subset as written.
        external = ""
        if public_id is not None:
            external = f" PUBLIC {_quoted(public_id)} {_quoted(system_id or '')}"
        elif system_id is not None:
            external = f" SYSTEM {_quoted(system_id)}"
        self._doctype = (f"<!DOCTYPE {name}{external}", bool(has_internal_subset))
        self._doctype_start = self._parser.CurrentByteIndex

    def _doctype_end(self) -> None:
        head, has_internal = self._doctype
        internal = self._read_internal_subset(self._parser.CurrentByteIndex) \
            if has_internal else ""
        if internal is None:
            raise _Stop("doctype")
        match = _DOCTYPE.fullmatch(f"{head} [{internal}]>" if has_internal else f"{head}>")
        if match is None:
            raise _Stop("doctype")
        kind = "PUBLIC" if match["public"] else "SYSTEM" if match["system"] else None
        if kind is not None and self.dtd_filter is not None:
            system = next((match[g] for g in ("sys1", "sys3", "sys4") if match[g]), None)
            public = match["pub1"] or match["pub2"] or None
            self._record(self.dtd_filter(kind, public, system))
        subset = match["internal"]
        if subset and _SAFE_SUBSET.fullmatch(subset) is None:
            raise _Stop("unsafe internal subset")

    def _read_internal_subset(self, end: int) -> str | None:
        """The text between ``[`` and ``]`` of the DOCTYPE, re-read from the source."""
        source, start = self._source, self._doctype_start
        if source is None or not 0 <= start < end or end - start > MAX_DTD_BYTES:
            return None
        position = source.tell()
        source.seek(0)
        encoding = _encoding_of(source.read(2))
        source.seek(start)
        raw = source.read(end - start)
        source.seek(position)
        text = raw.decode(encoding, errors="replace").strip("\x00")
        if not text.startswith("["):
            return None
        body = text[1:].rstrip()
        return body[:-1] if body.endswith("]") else None


def _quoted(value: str) -> str:
    return f"'{value}'" if '"' in value and "'" not in value else f'"{value}"'


def _expand(name: str, namespaces: dict[str, str], is_element: bool) -> str:
    """``uri:local`` for a name in a namespace, else the name as written."""
    prefix, _, local = name.rpartition(":")
    if prefix:
        uri = namespaces.get(prefix)
        return f"{uri}:{local}" if uri else name
    if is_element and namespaces.get(""):
        return f"{namespaces['']}:{name}"
    return name


def check_xml(source: IO[bytes], element_filter: ElementFilter | None = None,
              pi_filter: PIFilter | None = None,
              dtd_filter: DTDFilter | None = None) -> XmlCheckResult:
    """Parse a seekable binary stream from its start; never holds more than one block."""
    source.seek(0)
    return XmlChecker(element_filter, pi_filter, dtd_filter).run(source)
