"""action=upload with file=: successes, warnings, stash publishing and errors, as the
reference MediaWiki answers them (turned from its transcripts into exact assertions)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import requests

from tests import media_samples as media
from tests.support import ApiClient, docref, error_of
from wikiupload.filerepo.repo import FileRepo
from wikiupload.wiki import Wiki

FILEKEY = re.compile(r"^[0-9a-z]+\.[0-9a-z]+\.\d+\.\w*$")


def _ok(reply: dict[str, Any]) -> dict[str, Any]:
    assert reply.get("upload", {}).get("result") == "Success", reply
    return reply["upload"]  # type: ignore[no-any-return]


def test_png_success_shape(uploader: ApiClient, api_url: str) -> None:
    data = media.png("png")
    result = _ok(uploader.upload("Test-png.png", data, "image/png", comment="png upload",
                                 text="Some text"))
    assert list(result) == ["result", "filename", "imageinfo"]
    assert result["filename"] == "Test-png.png"
    info = result["imageinfo"]
    assert info["user"] == "Uploader" and info["size"] == len(data)
    assert (info["width"], info["height"], info["bitdepth"]) == (16, 16, 8)
    assert info["comment"] == info["parsedcomment"] == "png upload"
    assert info["sha1"] == hashlib.sha1(data).hexdigest()
    assert info["mime"] == "image/png" and info["mediatype"] == "BITMAP"
    assert info["canonicaltitle"] == "File:Test-png.png"
    served = requests.get(info["url"], timeout=10)
    assert served.status_code == 200 and served.content == data
    assert served.headers["Content-Type"].startswith("image/png")


def test_description_page_gets_text(uploader: ApiClient) -> None:
    _ok(uploader.upload("Described.png", media.png("d"), comment="c1", text="Some text"))
    reply = uploader.get(action="query", prop="revisions", titles="File:Described.png",
                         rvprop="content|comment", rvslots="main", formatversion="2")
    revision = reply["query"]["pages"][0]["revisions"][0]
    assert revision["slots"]["main"]["content"] == "Some text"
    assert revision["comment"] == "c1"


@pytest.mark.parametrize(("name", "maker", "mime", "mediatype"), [
    ("Test-jpeg.jpg", media.jpeg, "image/jpeg", "BITMAP"),
    ("Test-svg.svg", media.svg, "image/svg+xml", "DRAWING"),
    ("Test-txt.txt", media.text, "text/plain", "TEXT"),
])
def test_other_types_succeed(uploader: ApiClient, name: str, maker: Any, mime: str,
                             mediatype: str) -> None:
    info = _ok(uploader.upload(name, maker(name)))["imageinfo"]
    assert (info["mime"], info["mediatype"]) == (mime, mediatype)


def test_a_type_refined_by_the_extension_is_stored_so(wiki_factory: Any,
                                                     app_holder: dict[str, Any],
                                                     accounts: Any, api_url: str) -> None:
    """Content sniffed as plain text, named .csv: MediaWiki describes the file with the type
    refined by its extension (its file properties take the final extension), uploaded
    whole and assembled from chunks alike."""
    from tests.api.auth_helpers import serve
    from tests.conftest import UPLOADER_BOT_PASSWORD

    serve(wiki_factory, app_holder, accounts,
          file_extensions=["png", "csv"])
    client = ApiClient(api_url)
    client.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
    data = b"name;size\nalpha;1\nbeta;2\n" * 40
    info = _ok(client.upload("Table.csv", data))["imageinfo"]
    assert (info["mime"], info["mediatype"]) == ("text/csv", "TEXT")
    last = client.chunked("Chunked-table.csv", data[:-1], 1024)[-1]["upload"]
    assert last["result"] == "Success"
    info = client.get(action="query", prop="stashimageinfo", siifilekey=last["filekey"],
                      siiprop="mime")["query"]["stashimageinfo"][0]
    assert info["mime"] == "text/csv"
    client.close()


def test_exists_then_warning_with_filekey(uploader: ApiClient) -> None:
    _ok(uploader.upload("Exists.png", media.png("v1")))
    reply = uploader.upload("Exists.png", media.png("v2"))
    upload = reply["upload"]
    assert upload["result"] == "Warning"
    assert upload["warnings"] == {"exists": "Exists.png"}
    assert FILEKEY.match(upload["filekey"]) and upload["sessionkey"] == upload["filekey"]
    assert list(upload) == ["result", "warnings", "filekey", "sessionkey"]


def test_nochange_and_fileexists_no_change(uploader: ApiClient, api_url: str) -> None:
    data = media.png("same")
    first = _ok(uploader.upload("Same.png", data))
    reply = uploader.upload("Same.png", data)["upload"]
    assert reply["warnings"] == {"exists": "Same.png",
                                 "nochange": {"timestamp": first["imageinfo"]["timestamp"]}}
    error = uploader.upload("Same.png", data, ignorewarnings="1")["error"]
    assert error["code"] == "fileexists-no-change"
    assert error["info"] == ("The upload is an exact duplicate of the current version of "
                             "[[:File:Same.png]].")
    assert FILEKEY.match(error["filekey"]) and error["*"] == docref(api_url)


def test_duplicate_warning(uploader: ApiClient) -> None:
    data = media.png("dup")
    _ok(uploader.upload("Dup-a.png", data))
    reply = uploader.upload("Dup-b.png", data)["upload"]
    assert reply["result"] == "Warning"
    assert reply["warnings"] == {"duplicate": ["Dup-a.png"]}


def test_badfilename_warning(uploader: ApiClient) -> None:
    reply = uploader.upload("Test-bad:name|x?.png", media.png("bad"))["upload"]
    assert reply["warnings"] == {"badfilename": "Test-bad-name-x?.png"}


def test_bad_prefix_warning(uploader: ApiClient) -> None:
    reply = uploader.upload("DSC_1234.png", media.png("camera"))["upload"]
    assert reply["warnings"] == {"bad-prefix": "DSC_1234.png"}


def test_warning_then_publish_by_filekey(uploader: ApiClient) -> None:
    _ok(uploader.upload("Warnpub.png", media.png("w1")))
    second = media.png("w2")
    key = uploader.upload("Warnpub.png", second)["upload"]["filekey"]
    again = uploader.post(action="upload", filename="Warnpub.png", filekey=key,
                          token=uploader.csrf)["upload"]
    assert again["result"] == "Warning" and again["warnings"] == {"exists": "Warnpub.png"}
    done = _ok(uploader.post(action="upload", filename="Warnpub.png", filekey=key,
                             ignorewarnings="1", comment="published after warning",
                             token=uploader.csrf))
    assert list(done) == ["result", "filename", "warnings", "imageinfo"]
    assert done["warnings"] == {"exists": "Warnpub.png"}
    assert done["imageinfo"]["sha1"] == hashlib.sha1(second).hexdigest()
    assert done["imageinfo"]["comment"] == "published after warning"
    gone = uploader.post(action="upload", filename="Warnpub.png", filekey=key,
                         token=uploader.csrf)["error"]
    assert gone["code"] == "uploadstash-file-not-found"


def test_stash_then_publish(uploader: ApiClient, api_url: str) -> None:
    data = media.png("stash")
    stashed = _ok(uploader.upload("Stash.png", data, stash="1"))
    assert list(stashed) == ["result", "filekey", "sessionkey", "imageinfo"]
    key = stashed["filekey"]
    assert stashed["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    done = _ok(uploader.post(action="upload", filename="Stash.png", filekey=key,
                             comment="publish from stash", text="== Summary ==\nfrom stash",
                             token=uploader.csrf))
    assert done["filename"] == "Stash.png"
    assert uploader.post(action="upload", filename="Stash.png", filekey=key,
                         token=uploader.csrf) == error_of(
        api_url, "uploadstash-file-not-found", f'Key "{key}" not found in stash.')


def test_invalid_filekeys(uploader: ApiClient, api_url: str) -> None:
    assert uploader.post(action="upload", filename="Badkey.png", filekey="no such key!",
                         token=uploader.csrf) == error_of(api_url, "invalid-file-key",
                                                          "Not a valid file key.")
    assert uploader.post(action="upload", filename="Badkey.png", filekey="abcdef.ghijkl.png",
                         token=uploader.csrf) == error_of(
        api_url, "uploadstash-file-not-found", 'Key "abcdef.ghijkl.png" not found in stash.')


def test_other_users_filekey_is_refused(uploader: ApiClient, admin: ApiClient) -> None:
    key = uploader.upload("Mine.png", media.png("mine"), stash="1")["upload"]["filekey"]
    error = admin.post(action="upload", filename="Mine.png", filekey=key, token=admin.csrf)
    assert error["error"]["code"] == "uploadstash-wrong-owner"


def test_anonymous_must_be_logged_in(anon: ApiClient, api_url: str) -> None:
    anon.csrf = "+\\"
    assert anon.upload("Anon.png", media.png("anon")) == error_of(
        api_url, "mustbeloggedin", "You must be logged in to upload this file.")


def test_plain_user_permission_denied(plain: ApiClient, api_url: str) -> None:
    assert plain.upload("Plain.png", media.png("plain")) == error_of(
        api_url, "permissiondenied", "The action you have requested is limited to users in "
        "one of the groups: [[RefWiki:Administrators|Administrators]], uploader.")


def test_only_a_request_that_may_upload_starts_the_fsync_of_its_file(
        plain: ApiClient, uploader: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = FileRepo.sync_ahead

    def recording(repo: FileRepo, source: Any) -> Any:
        synced.append(source.name)
        return real(repo, source)

    monkeypatch.setattr(FileRepo, "sync_ahead", recording)
    assert plain.upload("Refused.png", media.png("refused"))["error"]["code"] == (
        "permissiondenied")
    assert synced == []
    assert uploader.upload("Taken.png", media.png("taken"))["upload"]["result"] == "Success"
    assert len(synced) == 1


def test_plaintext_errorformat(plain: ApiClient, api_url: str) -> None:
    reply = plain.upload("Plainerr.png", media.png("pe"), errorformat="plaintext",
                         formatversion="2")
    assert reply == {"errors": [{
        "code": "permissiondenied", "module": "upload",
        "text": "The action you have requested is limited to users in one of the groups: "
                "[[RefWiki:Administrators|Administrators]], uploader."}],
        "docref": docref(api_url)}


def test_missing_token_and_parameters(uploader: ApiClient, api_url: str) -> None:
    no_token = uploader.post(files={"file": ("x.png", media.png("t"), "image/png")},
                             action="upload", filename="Notoken.png")
    assert no_token == error_of(api_url, "missingparam", 'The "token" parameter must be set.')
    nothing = uploader.post(files={"x": (None, "1")}, action="upload", filename="Nofile.png",
                            token=uploader.csrf)
    assert nothing == error_of(api_url, "missingparam",
                               'One of the parameters "filekey", "file" and "url" is required.')
    no_name = uploader.post(files={"file": ("x.png", media.png("n"), "image/png")},
                            action="upload", token=uploader.csrf)
    assert no_name == error_of(api_url, "nofilename", 'The "filename" parameter must be set.')


def test_get_is_mustpostparams(uploader: ApiClient, api_url: str) -> None:
    reply = uploader.get(action="upload", filename="Get.png", url="http://x/x.png",
                         token=uploader.csrf)
    assert reply == error_of(api_url, "mustpostparams", "The following parameter was found in "
                             "the query string, but must be in the POST body: token.")


@pytest.mark.parametrize(("name", "data", "code", "info", "details"), [
    ("Exe.exe", media.exe("x"), "verification-error",
     'Cannot upload this file because Internet Explorer would detect it as '
     '"application/x-msdownload", which is a disallowed and potentially dangerous file type.',
     ["filetype-bad-ie-mime", "application/x-msdownload"]),
    ("Txtexe.exe", media.text("t"), "verification-error",
     'File extension ".exe" does not match the detected MIME type of the file (text/plain).',
     ["filetype-mime-mismatch", "exe", "text/plain"]),
    ("Xyz.xyz", media.text("x"), "verification-error",
     'File extension ".xyz" does not match the detected MIME type of the file (text/plain).',
     ["filetype-mime-mismatch", "xyz", "text/plain"]),
    ("Pngasjpg.jpg", media.png("p"), "verification-error",
     'File extension ".jpg" does not match the detected MIME type of the file (image/png).',
     ["filetype-mime-mismatch", "jpg", "image/png"]),
    ("Svgscript.svg", media.svg("s", script=True), "verification-error",
     "This file contains HTML or script code that may be erroneously interpreted by a web "
     "browser.", ["uploadscripted"]),
    ("Empty.txt", b"", "empty-file", "The file you submitted was empty.", None),
])
def test_verification_errors(uploader: ApiClient, api_url: str, name: str, data: bytes,
                             code: str, info: str, details: list[str] | None) -> None:
    extra = {"details": details} if details else {}
    assert uploader.upload(name, data) == error_of(api_url, code, info, **extra)


def test_no_extension_is_taken_from_the_content(uploader: ApiClient) -> None:
    reply = uploader.upload("Noext", media.png("noext"))["upload"]
    assert reply["result"] == "Warning"
    assert reply["warnings"] == {"badfilename": "Noext.png"}


def test_illegal_name_is_recoverable(uploader: ApiClient) -> None:
    error = uploader.upload("X.png" + "x" * 300 + ".png", media.png("long"))["error"]
    assert error["code"] == "filename-toolong"
    assert error["invalidparameter"] == "filename" and FILEKEY.match(error["filekey"])


def test_undefined_tag(uploader: ApiClient, api_url: str) -> None:
    assert uploader.upload("Tags.png", media.png("tags"), tags="no-such-tag") == error_of(
        api_url, "badtags", 'The tag "no-such-tag" is not allowed to be manually applied.',
        disallowedtags=["no-such-tag"])


def test_reupload_keeps_history(uploader: ApiClient, wiki: Wiki) -> None:
    _ok(uploader.upload("History.png", media.png("h1")))
    _ok(uploader.upload("History.png", media.png("h2"), ignorewarnings="1"))
    reply = uploader.get(action="query", prop="imageinfo", titles="File:History.png",
                         iiprop="sha1|archivename", iilimit="5", formatversion="2")
    versions = reply["query"]["pages"][0]["imageinfo"]
    assert [v["sha1"] for v in versions] == [hashlib.sha1(media.png(s)).hexdigest()
                                            for s in ("h2", "h1")]
    assert "archivename" in versions[1] and "archivename" not in versions[0]
    old = requests.get(
        uploader.get(action="query", prop="imageinfo", titles="File:History.png",
                     iiprop="url", iilimit="2", formatversion="2")
        ["query"]["pages"][0]["imageinfo"][1]["url"], timeout=10)
    assert old.content == media.png("h1")


def test_failed_reupload_leaves_current_version(uploader: ApiClient) -> None:
    data = media.png("keep")
    _ok(uploader.upload("Keep.png", data))
    uploader.upload("Keep.png", media.png("other"))      # a warning: nothing published
    uploader.upload("Keep.png", media.exe("bad"), ignorewarnings="1")   # refused
    reply = uploader.get(action="query", prop="imageinfo", titles="File:Keep.png",
                         iiprop="sha1|url", formatversion="2")
    info = reply["query"]["pages"][0]["imageinfo"][0]
    assert info["sha1"] == hashlib.sha1(data).hexdigest()
    assert requests.get(info["url"], timeout=10).content == data


def test_no_temp_file_left_after_rejection(uploader: ApiClient, wiki: Wiki) -> None:
    uploader.upload("Txtexe.exe", media.text("leak"))
    assert list(wiki.temp_dir.iterdir()) == []


def test_upload_renders_no_thumbnail_but_its_url_works(uploader: ApiClient, wiki: Wiki,
                                                       api_url: str) -> None:
    import io
    import re as regex

    from PIL import Image

    info = _ok(uploader.upload("Wide.png", media.png("wide", 600, 400)))["imageinfo"]
    thumbs = wiki.settings.data_dir / "images" / "thumb"
    assert not thumbs.exists() or not any(p.is_file() for p in thumbs.rglob("*"))
    src = regex.search(r'src="([^"]+)"', info["html"])
    assert src is not None and "300px-Wide.png" in src.group(1)
    origin = api_url.rsplit("/", 1)[0]
    served = requests.get(origin + src.group(1), timeout=10)
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (300, 200)
