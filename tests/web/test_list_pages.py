"""Special:ListFiles (a paged gallery), Special:UploadStash and Special:Log/upload over HTTP,
and Special:Upload as the server sends it."""

from __future__ import annotations

import re

from tests.api.file_helpers import png
from tests.web.page_client import PageClient, upload_config


def _upload(client: PageClient, name: str, data: bytes, **params: object) -> dict[str, object]:
    reply = client.api("POST", files={"file": (name, data, "image/png")}, action="upload",
                       filename=name, token=client.csrf(), **params)
    assert reply["upload"]["result"] == "Success", reply
    return reply


def test_gallery_is_paged_newest_first(person: PageClient) -> None:
    for number in range(3):
        _upload(person, f"Gallery {number}.png", png(300, 200, (number * 60, 10, 10)))
    first = person.get("/wiki/Special:ListFiles", params={"limit": "2"})
    assert first.status_code == 200
    names = re.findall(r'class="gallery-name">([^<]+)<', first.text)
    assert len(names) == 2
    thumbs = re.findall(r'<a class="gallery-thumb" href="[^"]+">\s*<img src="([^"]+)"',
                        first.text)
    assert len(thumbs) == 2 and all("/thumb/" in src and "180px-" in src for src in thumbs)
    assert person.get(thumbs[0]).headers["content-type"] == "image/png"
    following = re.search(r'href="([^"]+)" id="pager-next"', first.text)
    assert following is not None
    second = person.get(following.group(1).replace("&amp;", "&"))
    more = re.findall(r'class="gallery-name">([^<]+)<', second.text)
    assert len(more) == 1 and set(names) | set(more) == {f"Gallery {n}.png" for n in range(3)}
    assert 'id="pager-next"' not in second.text


def test_empty_gallery(visitor: PageClient) -> None:
    page = visitor.get("/wiki/Special:ListFiles")
    assert page.status_code == 200 and 'id="listfiles-empty"' in page.text


def test_upload_stash_lists_the_person_s_files(person: PageClient,
                                               visitor: PageClient) -> None:
    reply = _upload(person, "Stashed.png", png(300, 300), stash=1)
    key = reply["upload"]["filekey"]  # type: ignore[index]
    page = person.get("/wiki/Special:UploadStash")
    assert page.status_code == 200 and f">{key}<" in page.text
    thumb = re.search(r'<img src="([^"]*Special:UploadStash/thumb/[^"]+)"', page.text)
    assert thumb is not None
    assert person.get(thumb.group(1)).headers["content-type"] == "image/png"
    assert person.get(f"/wiki/Special:UploadStash/file/{key}").status_code == 200
    other = visitor.get("/wiki/Special:UploadStash")
    assert other.status_code == 200 and key not in other.text
    assert 'id="stash-error"' in other.text


def test_upload_log(person: PageClient) -> None:
    _upload(person, "Logged.png", png(10, 10), comment="first words")
    _upload(person, "Logged.png", png(12, 12), comment="second words", ignorewarnings=1)
    page = person.get("/wiki/Special:Log/upload")
    assert page.status_code == 200
    entries = re.findall(r'<li class="log-entry">(.*?)</li>', page.text, re.DOTALL)
    assert len(entries) == 2
    assert "uploaded a new version of" in entries[0] and "second words" in entries[0]
    assert 'href="/wiki/File:Logged.png"' in entries[1] and "first words" in entries[1]
    assert person.get("/index.php", params={"title": "Special:Log",
                                            "type": "upload"}).text.count("log-entry") == 2


def test_upload_page_for_each_kind_of_visitor(visitor: PageClient, person: PageClient,
                                              base_url: str) -> None:
    anonymous = visitor.get("/wiki/Special:Upload")
    assert anonymous.status_code == 200 and 'id="upload-login-needed"' in anonymous.text
    assert "upload.js" not in anonymous.text
    page = person.get("/index.php", params={"title": "Special:Upload", "wpDestFile": "A.png"})
    assert page.status_code == 200
    config = upload_config(page.text)
    assert config["api"] == "/api.php" and config["chunkSize"] == 5 * 1024 * 1024
    assert config["destination"] == "A.png"
    assert config["messages"]["ignorewarning"] == "Ignore warning and save file anyway"
    script = person.get("/static/wikiupload/upload.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert person.get("/static/wikiupload/nothing.js").status_code == 404


def test_upload_page_refuses_people_without_the_right(plain_person: PageClient) -> None:
    page = plain_person.get("/wiki/Special:Upload")
    assert page.status_code == 403 and "upload.js" not in page.text
