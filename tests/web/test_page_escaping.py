"""Hostile file names, descriptions, comments and EXIF fields are shown as text on every
page (never as markup), and SVG files are embedded only through <img>."""

from __future__ import annotations

import io

from PIL import Image as PILImage

from tests.web.page_client import PageClient

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# In EXIF: markup the upload checks let through (they refuse files that look like HTML).
HOSTILE_EXIF = "<b onmouseover=alert(3)>bold</b>"
ESCAPED_EXIF = "&lt;b onmouseover=alert(3)&gt;bold&lt;/b&gt;"
# Quotes and ampersands are legal in titles; angle brackets are not.
HOSTILE_NAME = "Evil \"onmouseover='alert(2)' & x.jpg"


def _jpeg_with_exif(text: str) -> bytes:
    image = PILImage.new("RGB", (40, 30), (10, 120, 200))
    exif = PILImage.Exif()
    exif[0x010E] = text       # ImageDescription
    exif[0x013B] = text       # Artist
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def _pages(name: str) -> list[str]:
    return [f"/wiki/File:{name}", "/wiki/Special:ListFiles", "/wiki/Special:Log/upload"]


def test_hostile_names_descriptions_and_exif_are_escaped(person: PageClient) -> None:
    reply = person.api("POST", files={"file": (HOSTILE_NAME, _jpeg_with_exif(HOSTILE_EXIF),
                                                "image/jpeg")},
                       action="upload", filename=HOSTILE_NAME, comment=HOSTILE, text=HOSTILE,
                       token=person.csrf())
    assert reply.get("upload", {}).get("result") == "Success", reply
    name = reply["upload"]["filename"]
    for path in _pages(name):
        page = person.get(path)
        assert page.status_code == 200, path
        assert HOSTILE not in page.text and "onmouseover='alert" not in page.text, path
        assert HOSTILE_EXIF not in page.text, path
        assert "<script" not in page.text.replace('<script src="/static/wikiupload/', "") \
            .replace('<script type="application/json"', ""), path
    file_page = person.get(f"/wiki/File:{name}").text
    assert file_page.count(ESCAPED) >= 2        # description, comment
    assert ESCAPED_EXIF in file_page            # the EXIF fields in the metadata table
    assert "&#34;onmouseover=&#39;alert(2)&#39; &amp; x.jpg" in file_page


def test_hostile_text_in_the_login_form_is_escaped(visitor: PageClient) -> None:
    page = visitor.get("/wiki/Special:UserLogin", params={"returnto": HOSTILE})
    assert HOSTILE not in page.text
    reply = visitor.post("/wiki/Special:UserLogin", {"wpName": HOSTILE, "wpPassword": "x"})
    assert HOSTILE not in reply.text and ESCAPED in reply.text


def test_svg_is_shown_through_img_and_served_sandboxed(person: PageClient) -> None:
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200">'
           b'<rect width="300" height="200" fill="red"/></svg>')
    reply = person.api("POST", files={"file": ("Drawing.svg", svg, "image/svg+xml")},
                       action="upload", filename="Drawing.svg", token=person.csrf())
    assert reply["upload"]["result"] == "Success", reply
    page = person.get("/wiki/File:Drawing.svg").text
    assert "<svg" not in page and "<object" not in page and "<iframe" not in page
    assert "<embed" not in page
    original = reply["upload"]["imageinfo"]["url"]
    assert f'<a href="{original}" id="original-link">' in page
    served = person.get(original)
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    assert "content-disposition" not in served.headers
    download = person.get(original + "?download")
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''Drawing.svg"
    assert download.content == served.content
