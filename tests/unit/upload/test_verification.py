"""Upload verification: codes, details, extra data and info texts as the reference wiki sends."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.unit.media import samples

from wikiupload.config import Settings
from wikiupload.i18n.messages import render
from wikiupload.upload import filenames
from wikiupload.upload.verification import (
    PASSED,
    Verification,
    check_extension,
    check_size,
    check_title,
    detect_script,
    verify_file,
    verify_partial_file,
    verify_upload,
)

SETTINGS = Settings(file_extensions=samples.REFERENCE_EXTENSIONS,
                    mime_type_exclusions=samples.MW_MIME_EXCLUSIONS)


def failure(result: Verification) -> tuple[str, list[Any], str]:
    assert result.message is not None
    return result.code, list(result.details), render(result.message)


# -- sizes ---------------------------------------------------------------------------------

def test_sizes() -> None:
    assert check_size(10, SETTINGS) is PASSED
    assert failure(check_size(0, SETTINGS)) == ("empty-file", [],
                                                "The file you submitted was empty.")
    small = SETTINGS.replace(max_upload_size=5)
    assert failure(check_size(6, small)) == ("file-too-large", [],
                                             "The file you submitted was too large.")


# -- names ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("requested", "final", "warnings"), [
    ("T1-png.png", "T1-png.png", {}),
    ("my file.jpg", "My_file.jpg", {}),
    ("File:My file.jpg", "My_file.jpg", {"badfilename": "My_file.jpg"}),
    ("image:foo.png", "Foo.png", {"badfilename": "Foo.png"}),
    ("T1-bad:name|x?.png", "T1-bad-name-x?.png", {"badfilename": "T1-bad-name-x?.png"}),
    ("My bad:filename.png", "My_bad-filename.png", {"badfilename": "My_bad-filename.png"}),
    ("a  b .png", "A_b_.png", {"badfilename": "A_b_.png"}),
    ("ñame.png", "Ñame.png", {}),
    ("DSC_1234.png", "DSC_1234.png", {"bad-prefix": "DSC_1234.png"}),
    ("120px-Foo.png", "120px-Foo.png", {"thumb-name": "120px-Foo.png"}),
    ("Foo.PNG", "Foo.PNG", {}),
])
def test_titles(requested: str, final: str, warnings: dict[str, str]) -> None:
    assert check_title(requested, SETTINGS) == (final, warnings)


def test_missing_extension_is_guessed_from_content(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "upload", samples.png())
    assert check_title("T1-noext", SETTINGS, path) == (
        "T1-noext.png", {"badfilename": "T1-noext.png"})
    error, _ = check_title("T1-noext", SETTINGS)
    assert isinstance(error, Verification) and error.code == "filetype-missing"


@pytest.mark.parametrize(("requested", "code", "data", "info"), [
    ("a<b>|{}.png", None, None, None),
    ("x" * 237 + ".png", "filename-toolong", {},
     "Filenames may not be longer than 240 bytes."),
    ("a%41.png", "illegal-filename", {"filename": "a%41.png"}, "The filename is not allowed."),
    ("a&amp;b.png", "illegal-filename", {"filename": "a&amp;b.png"},
     "The filename is not allowed."),
    ("..", "illegal-filename", {"filename": ".."}, "The filename is not allowed."),
    ("a~~~.png", "illegal-filename", {"filename": "a~~~.png"},
     "The filename is not allowed."),
    ("Foo", "filetype-missing", {}, 'The file has no extension (like ".jpg").'),
    ("Foo.", "filetype-missing", {}, 'The file has no extension (like ".jpg").'),
    (".png", "filename-tooshort", {}, "The filename is too short."),
])
def test_name_errors(requested: str, code: str | None, data: dict[str, str] | None,
                     info: str | None) -> None:
    result, warnings = check_title(requested, SETTINGS)
    if code is None:
        assert result == "A-b----.png"
        return
    assert isinstance(result, Verification) and not result.ok and warnings == {}
    assert (result.code, result.data, result.recoverable) == (code, data, True)
    assert result.message is not None and render(result.message) == info


def test_banned_types() -> None:
    result, _ = check_title("T1-exe.exe", SETTINGS)
    assert isinstance(result, Verification)
    assert (result.code, result.recoverable, result.extension) == ("filetype-banned", False,
                                                                   "exe")
    assert result.data == {"filetype": "exe", "allowed": samples.REFERENCE_EXTENSIONS,
                           "blacklisted": ["exe"]}
    assert result.message is not None
    assert render(result.message) == (
        '<strong>".exe"</strong> is not a permitted file type.\nPermitted file types are '
        "png, gif, jpg, jpeg, webp, svg, pdf, txt, ogg.")
    unlisted = check_extension("Foo.xyz", SETTINGS)
    assert unlisted.data == {"filetype": "xyz", "allowed": samples.REFERENCE_EXTENSIONS}
    assert unlisted.message is not None and render(unlisted.message).startswith(
        '<strong>".xyz"</strong> is not a permitted file type.')
    double = check_extension("evil.php.png", SETTINGS)
    assert double.code == "filetype-banned" and double.data["blacklisted"] == ["php"]
    assert check_extension("Foo.JPG", SETTINGS) is PASSED


def test_unwanted_type_when_not_strict() -> None:
    lax = SETTINGS.replace(strict_file_extensions=False)
    assert check_title("Foo.xyz", lax) == ("Foo.xyz", {"filetype-unwanted-type": [
        "xyz", "png, gif, jpg, jpeg, webp, svg, pdf, txt, ogg", 9]})


def test_name_helpers() -> None:
    assert filenames.strip_illegal_chars("a:b/c\\d#e[f]\x01.png") == "a-b-c-d-e-f--.png"
    assert filenames.file_page_key("File:foo bar.png") == "Foo_bar.png"
    assert filenames.file_page_key("Talk:foo.png") is None
    assert filenames.camera_prefix("IMG_1.jpg") == "IMG"
    assert filenames.is_thumb_name("50px-x.jpg") and not filenames.is_thumb_name("5px-x.jpg")
    assert filenames.ucfirst("ßa") == "SSa"


# -- content (the reference wiki's transcripts) ----------------------------------------------

TRANSCRIPT_FAILURES: list[tuple[str, bytes, str, list[str], str]] = [
    ("T1-exe.exe", samples.exe(), "exe", ["filetype-bad-ie-mime", "application/x-msdownload"],
     'Cannot upload this file because Internet Explorer would detect it as '
     '"application/x-msdownload", which is a disallowed and potentially dangerous file type.'),
    ("T1-txtexe.exe", samples.text(), "exe", ["filetype-mime-mismatch", "exe", "text/plain"],
     'File extension ".exe" does not match the detected MIME type of the file (text/plain).'),
    ("T1-xyz.xyz", samples.text(), "xyz", ["filetype-mime-mismatch", "xyz", "text/plain"],
     'File extension ".xyz" does not match the detected MIME type of the file (text/plain).'),
    ("T1-pngasjpg.jpg", samples.png(), "jpg", ["filetype-mime-mismatch", "jpg", "image/png"],
     'File extension ".jpg" does not match the detected MIME type of the file (image/png).'),
    ("T1-svgscript.svg", samples.svg('<script type="text/javascript">alert(1)</script>'),
     "svg", ["uploadscripted"],
     "This file contains HTML or script code that may be erroneously interpreted by a web "
     "browser."),
    ("T1-urlhtml.png", samples.html(), "png", ["filetype-badmime", "text/html"],
     'Files of the MIME type "text/html" are not allowed to be uploaded.'),
]


@pytest.mark.parametrize(("name", "data", "ext", "details", "info"), TRANSCRIPT_FAILURES)
def test_transcript_failures(tmp_path: Path, name: str, data: bytes, ext: str,
                             details: list[str], info: str) -> None:
    path = samples.write(tmp_path, "upload", data)
    result = verify_file(path, ext, SETTINGS)
    assert failure(result) == ("verification-error", details, info)
    assert result.data == {"details": details}
    # The whole sequence reports the content problem before the banned extension.
    assert verify_upload(path, len(data), name, SETTINGS)[0] == result


@pytest.mark.parametrize(("data", "ext", "mime"), [
    (samples.png(), "png", "image/png"), (samples.png(), "PNG", "image/png"),
    (samples.jpeg(), "jpg", "image/jpeg"), (samples.gif(), "gif", "image/gif"),
    (samples.svg(), "svg", "image/svg+xml"), (samples.text(), "txt", "text/plain"),
    (b"%PDF-1.4\n%%EOF\n", "pdf", "application/pdf"),
    (b"a;b\n1;2\n", "csv", "text/csv"),       # refined by the extension, as stored
])
def test_good_files_pass_with_their_type(tmp_path: Path, data: bytes, ext: str,
                                         mime: str) -> None:
    assert verify_file(samples.write(tmp_path, "upload", data), ext, SETTINGS) == replace(
        PASSED, mime=mime)


def test_verify_upload_order(tmp_path: Path) -> None:
    empty = samples.write(tmp_path, "empty", b"")
    assert verify_upload(empty, 0, "T1-empty.exe", SETTINGS)[0].code == "empty-file"
    banned = samples.write(tmp_path, "banned", samples.jpeg())
    assert verify_upload(banned, 100, "x.exe", SETTINGS)[0].code == "verification-error"
    jpeg = samples.write(tmp_path, "jpeg", samples.jpeg())
    assert verify_upload(jpeg, 100, "x.cgi.jpg", SETTINGS)[0].code == "filetype-banned"
    assert verify_upload(jpeg, 100, "DSC_1.jpg", SETTINGS) == (
        replace(PASSED, mime="image/jpeg"), "DSC_1.jpg", {"bad-prefix": "DSC_1.jpg"})
    refused = verify_upload(jpeg, 100, "x" * 300 + ".jpg", SETTINGS)[0]
    assert (refused.ok, refused.mime) == (False, "image/jpeg")   # the content passed


def test_polyglots(tmp_path: Path) -> None:
    naive = samples.write(tmp_path, "a", samples.png() + samples.zip_bytes(["A.class"]))
    assert list(verify_file(naive, "png", SETTINGS).details) == [
        "filetype-mime-mismatch", "png", "application/zip"]
    crafted = samples.write(tmp_path, "b",
                            samples.zip_bytes(["A.class"], prefix=samples.png()))
    assert list(verify_file(crafted, "png", SETTINGS).details) == [
        "filetype-badmime", "application/java"]


def test_chunks_get_the_partial_checks(tmp_path: Path) -> None:
    chunk = samples.write(tmp_path, "chunk", (samples.html() * 40)[:1500])
    assert failure(verify_file(chunk, "png", SETTINGS, partial=True)) == (
        "verification-error", ["filetype-badmime", "text/html"],
        'Files of the MIME type "text/html" are not allowed to be uploaded.')
    head = samples.write(tmp_path, "svg", samples.svg("<rect>")[:60])
    assert verify_partial_file(head, "svg", SETTINGS) is PASSED       # incomplete XML is fine
    assert verify_file(head, "svg", SETTINGS).details == ("uploadinvalidxml",)


def test_svg_filter_through_verification(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "s", samples.svg(samples.PAD + '<rect onload="alert(1)"/>'))
    assert failure(verify_file(path, "svg", SETTINGS)) == (
        "verification-error", ["uploaded-event-handler-on-svg", "onload", "alert(1)"],
        'Setting event-handler attributes <code>onload="alert(1)"</code> is not allowed in '
        "SVG files.")


@pytest.mark.parametrize(("data", "mime", "ext", "expected"), [
    (b"<!DOCTYPE html><p>x", "text/plain", "txt", True),
    (b"hello <body> world", "text/plain", "txt", True),
    (b"x" * 2000 + b"<script>", "text/plain", "txt", True),       # text: whole file
    (b"\0" * 2000 + b"<script>", "image/png", "png", False),      # binary: first KiB only
    (b'<a href = " javascript:x">', "text/plain", "txt", True),
    (b"url( 'javascript:x')", "text/plain", "txt", True),
    (b'<x type="text/ecmascript">', "text/plain", "txt", True),
    (b"&#60;script&#62;", "text/plain", "txt", False),            # tags are not decoded
    (b"<a href=&#34;javascript:x&#34;>", "text/plain", "txt", True),
    ("<html>".encode("utf-16"), "text/plain", "txt", True),
    (b"just text", "text/plain", "txt", False),
    (b'<?xml version="1.0" encoding="UTF-7"?><svg/>', "image/svg+xml", "svg", True),
])
def test_detect_script(tmp_path: Path, data: bytes, mime: str, ext: str,
                       expected: bool) -> None:
    assert detect_script(samples.write(tmp_path, "f", data), mime, ext) is expected


def test_mime_verification_can_be_disabled(tmp_path: Path) -> None:
    lax = SETTINGS.replace(verify_mime_type=False)
    path = samples.write(tmp_path, "f", samples.png())
    assert verify_file(path, "jpg", lax) == replace(PASSED, mime="image/png")
