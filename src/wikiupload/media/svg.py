"""The SVG safety filter: what MediaWiki refuses inside uploaded SVG (and other XML) files.

:func:`check_svg` parses the document as a stream (see :mod:`wikiupload.media.xmlcheck` for
the entity and DTD rules) and applies these rules to every element, in document order of
element *ends*; when several rules match, the last one reported wins, and a foreign
namespace wins over everything:

* processing instruction ``xml-stylesheet`` -> ``upload-scripted-pi-callback``;
* DOCTYPE other than ``PUBLIC "-//W3C//..."`` with an SVG 1.0/1.1 DTD -> ``upload-scripted-dtd``;
* element namespace outside the allow-list -> ``uploadscriptednamespace``;
* ``script``, ``handler``, ``stylesheet``, ``iframe`` -> ``uploaded-script-svg``;
* ``<style>`` with unsafe CSS -> ``uploaded-hostile-svg``;
* attributes ``on*``, ``href`` with remote/relative/script targets, ``data:`` other than
  raster images, ``<animate>``/``<set>`` tricks, ``handler``, unsafe CSS in ``style`` and
  presentation attributes, ``<image filter="url(...)">``.

Documents that are not well-formed give ``uploadinvalidxml`` (full check) or pass (partial
check of an incomplete chunk).
"""

from __future__ import annotations

import re
from typing import Any

from wikiupload.media.css import is_unsafe_css, normalize_css
from wikiupload.media.readable import Readable, open_readable
from wikiupload.media.xmlcheck import check_xml

SVG_METADATA_CUTOFF = 262144

VALID_NAMESPACES = frozenset({
    "", "adobe:ns:meta/", "http://creativecommons.org/ns#",
    "http://inkscape.sourceforge.net/dtd/sodipodi-0.dtd",
    "http://ns.adobe.com/adobeillustrator/10.0/",
    "http://ns.adobe.com/adobesvgviewerextensions/3.0/",
    "http://ns.adobe.com/extensibility/1.0/", "http://ns.adobe.com/flows/1.0/",
    "http://ns.adobe.com/illustrator/1.0/", "http://ns.adobe.com/imagereplacement/1.0/",
    "http://ns.adobe.com/pdf/1.3/", "http://ns.adobe.com/photoshop/1.0/",
    "http://ns.adobe.com/saveforweb/1.0/", "http://ns.adobe.com/variables/1.0/",
    "http://ns.adobe.com/xap/1.0/", "http://ns.adobe.com/xap/1.0/g/",
    "http://ns.adobe.com/xap/1.0/g/img/", "http://ns.adobe.com/xap/1.0/mm/",
    "http://ns.adobe.com/xap/1.0/rights/", "http://ns.adobe.com/xap/1.0/stype/dimensions#",
    "http://ns.adobe.com/xap/1.0/stype/font#", "http://ns.adobe.com/xap/1.0/stype/manifestitem#",
    "http://ns.adobe.com/xap/1.0/stype/resourceevent#",
    "http://ns.adobe.com/xap/1.0/stype/resourceref#", "http://ns.adobe.com/xap/1.0/t/pg/",
    "http://purl.org/dc/elements/1.1/", "http://purl.org/dc/elements/1.1",
    "http://schemas.microsoft.com/visio/2003/svgextensions/",
    "http://sodipodi.sourceforge.net/dtd/sodipodi-0.dtd",
    "http://taptrix.com/inkpad/svg_extensions", "http://web.resource.org/cc/",
    "http://www.freesoftware.fsf.org/bkchem/cdml", "http://www.inkscape.org/namespaces/inkscape",
    "http://www.opengis.net/gml", "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/svg", "http://www.w3.org/tr/rec-rdf-syntax/",
    "http://www.w3.org/2000/01/rdf-schema#",
})
ALLOWED_DTDS = frozenset({
    "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
    "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd",
    "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-basic.dtd",
    "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-tiny.dtd",
    "http://www.w3.org/TR/2001/PR-SVG-20010719/DTD/svg10.dtd",
})
SCRIPT_ELEMENTS = frozenset({"script", "handler", "stylesheet", "iframe"})
CSS_ATTRIBUTES = frozenset({"font", "clip-path", "fill", "filter", "marker", "marker-end",
                            "marker-mid", "marker-start", "mask", "stroke"})
SAFE_XML_ENCODINGS = frozenset({
    "UTF-8", "US-ASCII", "ISO-8859-1", "ISO-8859-2", "UTF-16", "UTF-32",
    *(f"WINDOWS-{n}" for n in range(1250, 1259)),
})

_BUGGY_INKSCAPE_NS = re.compile(r"&(#38;)*ns_[a-z_]+;")
_TOKEN = r"[a-zA-Z0-9!#$&'*+.^_`{|}~-]+"
_QUOTED = r'"(?>[\x00-\x0c\x0e-\x21\x23-\x5b\x5d-\x7f]+|\\[\x00-\x7f])*"'
_DATA_PARAM = rf"(?>;{_TOKEN}=(?>{_TOKEN}|{_QUOTED}))*(?:;base64)?"
_SAFE_DATA_URI = re.compile(r"data:\s*image/(?:gif|jpeg|jpg|png)" + _DATA_PARAM + ",", re.I)
_REMOTE_OR_SCRIPT = re.compile(r"(?:http|https|data|script):", re.I)
_IMAGE_FILTER_URL = re.compile(r"url\s*\(\s*[\"']?[^#]", re.I)
_XML_DECL = re.compile(rb"<\?xml\b(.*?)\?>", re.S | re.I)
_XML_DECL_START = re.compile(rb"<\?xml\b", re.I)
_ENCODING = re.compile(rb"encoding[ \t\n\r]*=[ \t\n\r]*['\"](.*?)['\"]", re.S | re.I)

Verdict = list[str]


def _split_name(name: str) -> tuple[str, str]:
    namespace, _, local = name.lower().rpartition(":")
    return namespace, local


def _check_href(element: str, attrib: str, value: str) -> Verdict | None:
    if value and not value.startswith(("data:", "#")) and not (
            element == "a" and re.match(r"https?://", value, re.I)):
        return ["uploaded-href-attribute-svg", element, attrib, value]
    if value[:5].lower() == "data:" and not _SAFE_DATA_URI.match(value):
        return ["uploaded-href-unsafe-target-svg", element, attrib, value]
    return None


def _check_animation(element: str, attrib: str, local: str, value: str) -> Verdict | None:
    if local == "attributename" and element == "animate" and _split_name(value)[1] == "href":
        return ["uploaded-animate-svg", element, attrib, value]
    if element in ("set", "animate") and local == "attributename" and value.startswith("on"):
        return ["uploaded-setting-event-handler-svg", element, local, value]
    if element == "set" and local == "attributename" and "href" in value:
        return ["uploaded-setting-href-svg"]
    if element == "set" and local == "to" and _REMOTE_OR_SCRIPT.search(value):
        return ["uploaded-wrong-setting-svg", value]
    return None


def _check_attribute(element: str, attrib: str, raw_value: str) -> Verdict | None:
    local = _split_name(attrib)[1]
    value = raw_value.lower()
    if local.startswith("on"):
        return ["uploaded-event-handler-on-svg", attrib, value]
    if local == "href":
        verdict = _check_href(element, attrib, value)
        if verdict:
            return verdict
    verdict = _check_animation(element, attrib, local, value)
    if verdict:
        return verdict
    if local == "handler" and _REMOTE_OR_SCRIPT.search(value):
        return ["uploaded-setting-handler-svg", attrib, value]
    if (local == "style" and is_unsafe_css(normalize_css(value))) or (
            local in CSS_ATTRIBUTES and is_unsafe_css(value)):
        return ["uploaded-remote-url-svg", attrib, value]
    if element == "image" and local == "filter" and _IMAGE_FILTER_URL.search(value):
        return ["uploaded-image-filter-svg", element, local, value]
    return None


class SvgFilter:
    """Per-document state of the filter; pass its methods to :func:`check_xml`."""

    def __init__(self) -> None:
        self.namespace_error: str | None = None

    def element(self, name: str, attrs: dict[str, str], data: str) -> Verdict | bool | None:
        namespace, local = _split_name(name)
        if not (_BUGGY_INKSCAPE_NS.fullmatch(namespace) or namespace in VALID_NAMESPACES):
            self.namespace_error = namespace
            return True
        if local in SCRIPT_ELEMENTS:
            return ["uploaded-script-svg", local]
        if local == "style" and is_unsafe_css(normalize_css(data)):
            return ["uploaded-hostile-svg"]
        for attrib, value in attrs.items():
            verdict = _check_attribute(local, attrib, value)
            if verdict:
                return verdict
        return None

    @staticmethod
    def processing_instruction(target: str, _data: str) -> Verdict | None:
        return ["upload-scripted-pi-callback"] if "xml-stylesheet" in target.lower() else None

    @staticmethod
    def doctype(kind: str, public_id: str | None, system_id: str | None) -> Verdict | None:
        if kind != "PUBLIC" or system_id not in ALLOWED_DTDS \
                or not (public_id or "").startswith("-//W3C//"):
            return ["upload-scripted-dtd"]
        return None


def check_svg(path: Readable, partial: bool = False) -> Verdict | None:
    """The verification failure (message key and params) for an SVG/XML file, or None."""
    svg_filter = SvgFilter()
    with open_readable(path) as handle:
        result = check_xml(handle, svg_filter.element, svg_filter.processing_instruction,
                           svg_filter.doctype)
    if not result.well_formed:
        return None if partial else ["uploadinvalidxml"]
    if not result.filter_match:
        return None
    if svg_filter.namespace_error is not None:
        return ["uploadscriptednamespace", svg_filter.namespace_error]
    match: Any = result.filter_match
    return list(match)


def _declared_encoding_is_unsafe(text: bytes) -> bool | None:
    """True/False for a complete XML declaration, True for an unterminated one, None if none."""
    declaration = _XML_DECL.search(text)
    if declaration:
        encoding = _ENCODING.search(declaration.group(1))
        if encoding is None:
            return False
        return encoding.group(1).decode("latin-1").upper() not in SAFE_XML_ENCODINGS
    return True if _XML_DECL_START.search(text) else None


def _reinterpret(contents: bytes, codec: str) -> bytes:
    """The contents decoded as a wide encoding and re-encoded as UTF-8 (b"" if invalid)."""
    if codec in ("utf-16", "utf-32"):
        boms = {"utf-16": (b"\xff\xfe", b"\xfe\xff"), "utf-32": (b"\xff\xfe\x00\x00",
                                                                  b"\x00\x00\xfe\xff")}[codec]
        if not contents.startswith(boms):
            codec += "-be"
    try:
        return contents.decode(codec).encode("utf-8")
    except UnicodeError:
        return b""


def has_unsafe_xml_encoding(path: Readable) -> bool:
    """An XML encoding that browsers and the server's parser might read differently."""
    with open_readable(path) as handle:
        contents = handle.read(SVG_METADATA_CUTOFF)
    verdict = _declared_encoding_is_unsafe(contents)
    if verdict or (verdict is None and contents[:4] == b"\x4c\x6f\xa7\x94"):  # EBCDIC "<?xm"
        return True
    for codec in ("utf-16", "utf-16-be", "utf-32", "utf-32-be"):
        converted = _reinterpret(contents, codec)
        if converted and _declared_encoding_is_unsafe(converted):
            return True
    return False
