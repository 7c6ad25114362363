"""The SVG filter: each attack MediaWiki refuses, its verdict, and what stays allowed."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from tests.unit.media import samples
from tests.unit.media.samples import PAD, svg

from wikiupload.media.css import decode_char_references, is_unsafe_css, normalize_css
from wikiupload.media.svg import check_svg, has_unsafe_xml_encoding
from wikiupload.media.xmlcheck import check_xml

DTD_11 = ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
          '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n')
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def verdict(tmp_path: Path, data: bytes, partial: bool = False) -> list[str] | None:
    return check_svg(samples.write(tmp_path, "t.svg", data), partial=partial)


@pytest.mark.parametrize(("body", "expected"), [
    ('<script>alert(1)</script>', ["uploaded-script-svg", "script"]),
    ('<s:script xmlns:s="http://www.w3.org/2000/svg">x</s:script>',
     ["uploaded-script-svg", "script"]),
    ('<handler xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="load">x</handler>',
     ["uploaded-script-svg", "handler"]),
    ("<iframe/>", ["uploaded-script-svg", "iframe"]),
    ("<stylesheet/>", ["uploaded-script-svg", "stylesheet"]),
    ('<rect onload="alert(1)"/>', ["uploaded-event-handler-on-svg", "onload", "alert(1)"]),
    ('<rect ONCLICK="Alert(1)"/>', ["uploaded-event-handler-on-svg", "ONCLICK", "alert(1)"]),
    ('<a xlink:href="javascript:alert(1)"><rect/></a>',
     ["uploaded-href-attribute-svg", "a", "http://www.w3.org/1999/xlink:href",
      "javascript:alert(1)"]),
    ('<image xlink:href="http://example.org/x.png"/>',
     ["uploaded-href-attribute-svg", "image", "http://www.w3.org/1999/xlink:href",
      "http://example.org/x.png"]),
    ('<image href="x.png"/>', ["uploaded-href-attribute-svg", "image", "href", "x.png"]),
    ('<image xlink:href="data:image/svg+xml;base64,PHN2Zz4="/>',
     ["uploaded-href-unsafe-target-svg", "image", "http://www.w3.org/1999/xlink:href",
      "data:image/svg+xml;base64,phn2zz4="]),
    ('<a href="data:text/html,x"><rect/></a>',
     ["uploaded-href-unsafe-target-svg", "a", "href", "data:text/html,x"]),
    ('<a><animate attributeName="href" values="javascript:x"/></a>',
     ["uploaded-animate-svg", "animate", "attributeName", "href"]),
    ('<set attributeName="onmouseover" to="alert(1)"/>',
     ["uploaded-setting-event-handler-svg", "set", "attributename", "onmouseover"]),
    ('<a><set attributeName="xlink:href" to="#x"/></a>', ["uploaded-setting-href-svg"]),
    ('<set attributeName="fill" to="javascript:alert(1)"/>',
     ["uploaded-wrong-setting-svg", "javascript:alert(1)"]),
    ('<rect handler="http://x/"/>', ["uploaded-setting-handler-svg", "handler", "http://x/"]),
    ('<rect style="fill:url(http://evil/x)"/>',
     ["uploaded-remote-url-svg", "style", "fill:url(http://evil/x)"]),
    ('<rect style="fill:u\\72l(http://evil/x)"/>',
     ["uploaded-remote-url-svg", "style", "fill:u\\72l(http://evil/x)"]),
    ('<rect style="width:expression(alert(1))"/>',
     ["uploaded-remote-url-svg", "style", "width:expression(alert(1))"]),
    ('<rect fill="url(http://evil/#x)"/>',
     ["uploaded-remote-url-svg", "fill", "url(http://evil/#x)"]),
    ("<style>rect { fill: url(http://evil/) }</style>", ["uploaded-hostile-svg"]),
    ("<style>@import url(x.css);</style>", ["uploaded-hostile-svg"]),
    ('<image filter="url(http://x)" xlink:href="#a"/>',               # CSS rule comes first
     ["uploaded-remote-url-svg", "filter", "url(http://x)"]),
    ('<image filter="url(x) url(#y)" xlink:href="#a"/>',
     ["uploaded-image-filter-svg", "image", "filter", "url(x) url(#y)"]),
    ('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>',
     ["uploadscriptednamespace", "http://www.w3.org/1999/xhtml"]),
    ("<foo:bar/>", ["uploadscriptednamespace", "foo"]),          # unbound prefix
    ('<script>1</script><rect onload="x"/>',                        # the last match wins
     ["uploaded-event-handler-on-svg", "onload", "x"]),
])
def test_attacks(tmp_path: Path, body: str, expected: list[str]) -> None:
    assert verdict(tmp_path, svg(PAD + body)) == expected


@pytest.mark.parametrize("body", [
    '<rect width="20" height="10" fill="#3a7"/>',
    '<a xlink:href="http://example.org/"><rect/></a>',
    '<a xlink:href="HTTPS://example.org/"><rect/></a>',
    '<use xlink:href="#a"/>',
    '<image xlink:href="data:image/png;base64,iVBORw0KGgo="/>',
    '<rect style="fill:url(#grad)"/><rect fill="url(#x)"/>',
    "<style>rect { fill: url(#a) }</style>",
    '<style>@font-face { font-family: x; src:url("data:;base64,AAAA") }</style>',
    '<g xml:space="preserve"><rect/></g>',
    '<sodipodi:namedview xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"/>',
    '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>x</dc:title></rdf:RDF></metadata>',
    '<foreignObject width="10" height="10"><p>x</p></foreignObject>',
    "<?foo bar?>",
])
def test_allowed(tmp_path: Path, body: str) -> None:
    assert verdict(tmp_path, svg(PAD + body)) is None


def test_processing_instruction_and_doctypes(tmp_path: Path) -> None:
    pi = '<?xml-stylesheet type="text/css" href="x.css"?>\n'
    assert verdict(tmp_path, svg(head=HEAD + pi)) == ["upload-scripted-pi-callback"]
    assert verdict(tmp_path, svg(head=HEAD + DTD_11)) is None
    system = '<!DOCTYPE svg SYSTEM "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    assert verdict(tmp_path, svg(head=HEAD + system)) == ["upload-scripted-dtd"]
    other = DTD_11.replace("http://www.w3.org/Graphics", "http://evil")
    assert verdict(tmp_path, svg(head=HEAD + other)) == ["upload-scripted-dtd"]


@pytest.mark.parametrize("subset", [
    '<!ENTITY x SYSTEM "file:///etc/passwd">',
    '<!ENTITY % p "x">',
    "<!ELEMENT svg ANY>",
    '<!ENTITY a "' + "x" * 300 + '">',
    '<!ENTITY a "&#60;">',
    '<!ENTITY l0 "lol"><!ENTITY l1 "&l0;&l0;&l0;">',
])
def test_unsafe_internal_subsets_are_invalid(tmp_path: Path, subset: str) -> None:
    data = svg("&x;", head=f"{HEAD}<!DOCTYPE svg [{subset}]>\n")
    assert verdict(tmp_path, data) == ["uploadinvalidxml"]
    assert verdict(tmp_path, data, partial=True) is None


def test_billion_laughs_never_expands(tmp_path: Path) -> None:
    levels = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    data = svg("&l9;", head=f"{HEAD}<!DOCTYPE svg [{levels}]>\n")
    started = time.monotonic()
    assert verdict(tmp_path, data) == ["uploadinvalidxml"]
    assert time.monotonic() - started < 1


def test_simple_entities_are_expanded(tmp_path: Path) -> None:
    data = (f'{HEAD}<!DOCTYPE svg [\n <!ENTITY ns_svg "http://www.w3.org/2000/svg">\n'
            ' <!ENTITY js "javascript:x">\n]>\n<svg xmlns="&ns_svg;" '
            'xmlns:xlink="http://www.w3.org/1999/xlink">' + PAD
            + '<a xlink:href="&js;"><rect/></a></svg>').encode()
    assert verdict(tmp_path, data)[:2] == ["uploaded-href-attribute-svg", "a"]  # type: ignore[index]


def test_well_formedness(tmp_path: Path) -> None:
    assert verdict(tmp_path, svg("<rect>")) == ["uploadinvalidxml"]
    assert verdict(tmp_path, svg("<rect>"), partial=True) is None
    assert verdict(tmp_path, svg("&undefined;")) == ["uploadinvalidxml"]
    assert verdict(tmp_path, b"") == ["uploadinvalidxml"]
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
             "<script>x</script></svg>").encode("utf-16")
    assert verdict(tmp_path, utf16) == ["uploaded-script-svg", "script"]


def test_xml_encoding_declarations(tmp_path: Path) -> None:
    def unsafe(head: str) -> bool:
        return has_unsafe_xml_encoding(samples.write(tmp_path, "e.svg", svg(head=head)))
    assert unsafe('<?xml version="1.0" encoding="UTF-7"?>\n')
    assert unsafe('<?xml version="1.0" encoding="Shift_JIS"?>\n')
    assert not unsafe('<?xml version="1.0" encoding="windows-1252"?>\n')
    assert not unsafe(HEAD)
    assert has_unsafe_xml_encoding(samples.write(tmp_path, "u.svg", b'<?xml version="1.0" '))


def test_xml_check_reports_root_and_namespaces() -> None:
    seen: list[tuple[str, dict[str, str]]] = []
    result = check_xml(io.BytesIO(svg('<rect xlink:href="#a" x="1"/>')),
                       lambda name, attrs, data: seen.append((name, attrs)))
    assert result.well_formed and result.root_element == "http://www.w3.org/2000/svg:svg"
    assert result.root_attributes["width"] == "20"
    assert seen[0] == ("http://www.w3.org/2000/svg:rect",
                       {"http://www.w3.org/1999/xlink:href": "#a", "x": "1"})


def test_css_helpers() -> None:
    assert decode_char_references("&#106;&amp;&bogus;&#0;") == "j&&bogus;\ufffd"
    assert normalize_css("a/* c */b \\75rl(") == "a b url("
    assert normalize_css("/* only */") == "/* only */"
    assert is_unsafe_css("x: url(http://a) url(#b)") is False       # MediaWiki's own quirk
    assert is_unsafe_css("x: image-set('a.png' 1x)") is True
    assert is_unsafe_css("x: url( #a)") is False
    assert is_unsafe_css("x\x01") is True
