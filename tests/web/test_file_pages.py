"""File pages over HTTP: the file, its facts, description and history; revert and delete
through the page's forms (refused without the token); thumbnails served on demand."""

from __future__ import annotations

import re

from tests.api.file_helpers import png
from tests.web.page_client import PageClient, hidden_fields


def _upload(client: PageClient, name: str, data: bytes, comment: str = "",
            text: str | None = None) -> dict[str, object]:
    reply = client.api("POST", files={"file": (name, data, "image/png")}, action="upload",
                       filename=name, comment=comment, text=text, ignorewarnings=1,
                       token=client.csrf())
    assert reply["upload"]["result"] == "Success", reply
    return reply


def _history_rows(page: str) -> list[str]:
    return re.findall(r'<tr class="file-version[^"]*">(.*?)</tr>', page, re.DOTALL)


def test_file_page_shows_the_file_and_every_version(person: PageClient) -> None:
    _upload(person, "Versions.png", png(320, 240, (200, 0, 0)), "first version",
            text="A red rectangle.")
    _upload(person, "Versions.png", png(400, 200, (0, 200, 0)), "second version")
    page = person.get("/wiki/File:Versions.png")
    assert page.status_code == 200
    assert "400 × 200" in page.text and "image/png" in page.text
    assert 'id="file-description">A red rectangle.<' in page.text
    rows = _history_rows(page.text)
    assert len(rows) == 2
    assert "second version" in rows[0] and "current" in rows[0]
    assert "first version" in rows[1] and "320 × 240" in rows[1]
    thumbs = re.findall(r'<img class="history-thumb" src="([^"]+)"', page.text)
    # The current version's thumbnail is made with Pillow; an old one is shown from the
    # archived file (the file server has no thumbnails of archived versions).
    assert len(thumbs) == 2 and "/thumb/" in thumbs[0] and "/archive/" in thumbs[1]
    for src in thumbs:
        image = person.get(src)
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert 'id="upload-new-version"' in page.text
    assert 'id="delete-form"' not in page.text      # Uploader cannot delete


def test_revert_through_the_page(person: PageClient) -> None:
    _upload(person, "Revert.png", png(30, 30, (1, 2, 3)), "one")
    _upload(person, "Revert.png", png(50, 20, (3, 2, 1)), "two")
    page = person.get("/wiki/File:Revert.png")
    form = re.search(r'<form method="post" action="/wiki/File:Revert.png" '
                     r'class="inline revert-form">(.*?)</form>', page.text, re.DOTALL)
    assert form is not None
    refused = person.post("/wiki/File:Revert.png",
                          {k: v for k, v in hidden_fields(form.group(1)).items()
                           if k != "wpEditToken"})
    assert refused.status_code == 400 and "problem with your login session" in refused.text
    assert len(_history_rows(refused.text)) == 2
    reply = person.post("/wiki/File:Revert.png", hidden_fields(form.group(1)))
    assert reply.status_code == 303
    rows = _history_rows(person.get("/wiki/File:Revert.png").text)
    assert len(rows) == 3 and "30 × 30" in rows[0]


def test_delete_through_the_page(sysop: PageClient) -> None:
    _upload(sysop, "Gone.png", png(20, 20), "to delete")
    page = sysop.get("/wiki/File:Gone.png")
    form = re.search(r'<form method="post"[^>]*id="delete-form">(.*?)</form>', page.text,
                     re.DOTALL)
    assert form is not None
    fields = hidden_fields(form.group(1))
    refused = sysop.post("/wiki/File:Gone.png", {"wpAction": "delete", "wpReason": "x"})
    assert refused.status_code == 400
    fields["wpReason"] = "no longer needed"
    reply = sysop.post("/wiki/File:Gone.png", fields)
    assert reply.status_code == 404 and "Gone.png has been deleted." in reply.text
    assert 'id="no-file"' in sysop.get("/wiki/File:Gone.png").text


def test_missing_file_and_other_pages(visitor: PageClient) -> None:
    missing = visitor.get("/wiki/File:Nothing_here.png")
    assert missing.status_code == 404 and 'id="no-file"' in missing.text
    assert visitor.get("/wiki/Special:NoSuchPage").status_code == 404
    assert visitor.get("/wiki/Main_Page").status_code == 404
    via_index = visitor.get("/index.php", params={"title": "File:Nothing here.png"})
    assert via_index.status_code == 404 and 'id="no-file"' in via_index.text


def test_non_image_files_get_an_icon(person: PageClient) -> None:
    reply = person.api("POST", files={"file": ("Notes.txt", b"plain words\n", "text/plain")},
                       action="upload", filename="Notes.txt", token=person.csrf())
    assert reply["upload"]["result"] == "Success", reply
    page = person.get("/wiki/File:Notes.txt")
    assert page.status_code == 200
    assert "/static/wikiupload/file-icon.svg" in page.text
    icon = person.get("/static/wikiupload/file-icon.svg")
    assert icon.status_code == 200 and icon.headers["x-content-type-options"] == "nosniff"


def test_pages_send_protective_headers(visitor: PageClient) -> None:
    page = visitor.get("/wiki/Special:ListFiles")
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
