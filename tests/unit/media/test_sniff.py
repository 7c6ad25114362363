"""Content type detection, extension maps, media types and the Internet Explorer emulation."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from tests.unit.media import samples

from wikiupload.media import mimemap
from wikiupload.media.ie import ie_mime_types
from wikiupload.media.sniff import detect_file_type, guess_mime_type

WEBM_HEAD = bytes.fromhex("1a45dfa3") + b"\x9f\x42\x86\x81\x01\x42\x82\x84webm"


@pytest.mark.parametrize(("data", "expected"), [
    (samples.png(), "image/png"),
    (samples.jpeg(), "image/jpeg"),
    (samples.gif(), "image/gif"),
    (samples.image_bytes("WEBP"), "image/webp"),
    (samples.image_bytes("TIFF"), "image/tiff"),
    (samples.image_bytes("BMP"), "image/x-bmp"),
    (b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    (samples.svg(), "image/svg+xml"),
    (b'<?xml version="1.0"?><root/>', "application/xml"),
    (samples.html(), "text/html"),
    (samples.html() * 3, "text/html"),              # not XML any more: by its tags
    (samples.text(), "text/plain"),
    (samples.exe(), "unknown/unknown"),             # executables: octet-stream, an alias
    (b"\x7fELF\x02\x01\x01" + b"\0" * 40, "unknown/unknown"),
    (b"OggS\x00\x02" + b"\0" * 40, "application/ogg"),
    (b"ID3\x03\x00" + b"\0" * 40, "audio/mp3"),     # one alias step, as MediaWiki does
    (b"fLaC\x00\x00\x00\x22" + b"\0" * 34, "audio/flac"),
    (b"RIFF\x24\0\0\0WAVEfmt " + b"\0" * 24, "audio/wav"),
    (WEBM_HEAD + b"\0" * 8, "audio/webm"),
    (WEBM_HEAD + b"\x86\x85V_VP9" + b"\0" * 8, "video/webm"),
    (bytes.fromhex("1a45dfa3") + b"\x42\x82\x88matroska", "video/x-matroska"),
    (b"AT&TFORM\0\0\0\x10DJVUINFO" + b"\0" * 16, "image/vnd.djvu"),
    (b"<?php echo 1; ?>", "application/x-php"),
    (b"#!/bin/sh\necho hi\n", "application/x-sh"),
    (b"", "unknown/unknown"),
    (b"a,b,c\n1,2,3\n4,5,6\n", "text/csv"),
    (b'{"a": [1, 2]}\n', "application/json"),
    (samples.zip_bytes(["a.txt"]), "application/zip"),
    (samples.zip_bytes(["A.class"]), "application/java"),
    (samples.zip_bytes(["[Content_Types].xml"]), "application/x-opc+zip"),
    (samples.zip_bytes(["mimetype"]), "application/vnd.oasis.opendocument"),
])
def test_guess_mime_type(tmp_path: Path, data: bytes, expected: str) -> None:
    assert guess_mime_type(samples.write(tmp_path, "f", data)) == expected


def test_polyglots_are_zip_archives(tmp_path: Path) -> None:
    naive = samples.png() + samples.zip_bytes(["A.class"])      # offsets not adjusted
    crafted = samples.zip_bytes(["A.class"], prefix=samples.png())
    assert guess_mime_type(samples.write(tmp_path, "a", naive)) == "application/zip"
    assert guess_mime_type(samples.write(tmp_path, "b", crafted)) == "application/java"


def test_only_head_and_tail_are_read(tmp_path: Path) -> None:
    path = tmp_path / "big.gif"
    with open(path, "wb") as handle:
        handle.write(samples.gif())
        handle.truncate(200 * 1024 * 1024)      # sparse: a slow full read would show
    assert guess_mime_type(path) == "image/gif"


@pytest.mark.parametrize(("data", "ext", "file_mime", "mime", "media_type"), [
    (samples.png(), "png", "image/png", "image/png", "BITMAP"),
    (samples.svg(), "svg", "image/svg+xml", "image/svg+xml", "DRAWING"),
    (samples.text(), "txt", "text/plain", "text/plain", "TEXT"),
    (b"a;b\n", "csv", "text/plain", "text/csv", "TEXT"),
    (b"\x00\x01\xfe" * 10, "xyz", "unknown/unknown", "chemical/x-xyz", "UNKNOWN"),
    (b"\x00\x01\xfe" * 10, "png", "unknown/unknown", "unknown/unknown", "UNKNOWN"),
    (samples.zip_bytes(["[Content_Types].xml"]), "docx",
     "application/x-opc+zip",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "OFFICE"),
    (samples.zip_bytes(["[Content_Types].xml"]), "png", "application/x-opc+zip",
     "application/zip", "ARCHIVE"),
    (b"OggS\x00\x02" + b"\0" * 22 + b"\x01vorbis", "ogg", "application/ogg",
     "application/ogg", "AUDIO"),
    (b"ID3\x03\x00" + b"\0" * 40, "mp3", "audio/mp3", "audio/mpeg", "AUDIO"),
    (samples.exe(), "exe", "unknown/unknown", "unknown/unknown", "UNKNOWN"),
    (b"solid x\nendsolid x\n", "stl", "application/sla", "application/sla", "3D"),
])
def test_detect_file_type(tmp_path: Path, data: bytes, ext: str, file_mime: str, mime: str,
                          media_type: str) -> None:
    found = detect_file_type(samples.write(tmp_path, "f", data), ext)
    assert (found.file_mime, found.mime, found.media_type) == (file_mime, mime, media_type)


def test_extension_maps() -> None:
    assert mimemap.mime_for_extension("JPG") == "image/jpeg"
    assert mimemap.mime_for_extension("exe") == "application/octet-stream"
    assert mimemap.mime_for_extension("nope") is None
    assert mimemap.extension_for_mime("image/jpeg") == "jpeg"
    assert mimemap.extension_for_mime("image/bmp") == "bmp"       # via the alias
    assert mimemap.is_matching_extension("PNG", "image/png") is True
    assert mimemap.is_matching_extension("jpg", "image/png") is False
    assert mimemap.is_matching_extension("png", "text/x-unknown") is None
    assert mimemap.is_recognizable_extension("svg")
    assert not mimemap.is_recognizable_extension("txt")
    assert mimemap.media_type("image/vnd.djvu") == "OFFICE"      # first class that lists it


@pytest.mark.parametrize(("chunk", "proposed", "name", "expected"), [
    (samples.exe(), "application/octet-stream", "", "application/x-msdownload"),
    (samples.exe(), "image/png", "", "application/x-msdownload"),
    (samples.exe(), "image/svg+xml", "", "image/svg+xml"),    # unknown to IE: trusted
    (samples.html(), "image/png", "", "text/html"),
    (b'<?xml version="1.0"?><a/>', "image/png", "", "text/xml"),
    (samples.png(), "image/png", "", "image/png"),
    (samples.jpeg(), "image/jpeg", "", "image/jpeg"),
    (samples.text(), "text/plain", "", "text/plain"),
    (samples.text(), "", "upload.exe", "application/x-msdownload"),   # by the registry
    (b"<scriptlet>", "text/plain", "", "text/scriptlet"),
    (b"PK\x03\x04" + b"\0" * 30, "image/png", "", "application/zip"),
])
def test_internet_explorer_types(chunk: bytes, proposed: str, name: str, expected: str) -> None:
    assert expected in ie_mime_types(chunk, proposed, name)


def test_internet_explorer_versions_differ() -> None:
    found = ie_mime_types(b"<html><body>x", "text/plain")
    assert len(found) == 5 and set(found) == {"text/html"}
    strict = ie_mime_types(b'<?xml version="1.0"?><a/>', "image/gif")
    assert strict[3] != "text/xml" and strict[0] == "text/xml"     # ie07.strict keeps xml out


def test_internet_explorer_counts_only_bytes_before_a_stop() -> None:
    """IE 7 stops sampling at a complete RDF feed: the control bytes after it do not make the
    content binary; IE 5 and 6 know no RDF tag, sample on and find it binary."""
    feed = (b"<rdf:RDF x http://www.w3.org/1999/02/22-rdf-syntax-ns# http://purl.org/rss/1.0/"
            + b"\x01" * 100)
    assert ie_mime_types(feed, "") == ["application/octet-stream"] * 2 + ["text/plain"] * 3
    xbm = b"#define x_width 1\n#define x_height 1\nstatic char x_bits[] = {" + b"\x01" * 100
    assert set(ie_mime_types(xbm, "text/plain")) == {"image/x-bitmap"}


def test_text_sniffing_of_large_samples(tmp_path: Path) -> None:
    """Text made of high-bit bytes is plain text, whatever its size; commas count outside
    quotes only, also when a quoted field spans lines."""
    high = bytes(range(128, 256)) * 8192
    assert guess_mime_type(samples.write(tmp_path, "high", high)) == "text/plain"
    quoted = b'a,"b\nc,d",e\n1,2,3\n4,5,6\n' + b"7,8,9\n" * 20
    assert guess_mime_type(samples.write(tmp_path, "quoted", quoted)) == "text/csv"
    uneven = b'a,"b\nc",d\n1,2\n3\n4,5\n'
    assert guess_mime_type(samples.write(tmp_path, "uneven", uneven)) == "text/plain"
    spaced = "\u3000\u00a0 {\"a\": 1}".encode()
    assert guess_mime_type(samples.write(tmp_path, "spaced", spaced)) == "application/json"


def test_binary_stl(tmp_path: Path) -> None:
    data = b"\0" * 80 + struct.pack("<I", 1) + b"\0" * 50
    assert guess_mime_type(samples.write(tmp_path, "f", data)) == "application/sla"
