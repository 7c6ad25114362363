"""Image properties: sizes, bit depth, media type and MediaWiki-shaped metadata."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin
from tests.unit.media import samples

from wikiupload.media.images import (
    ImageTooLarge,
    describe,
    ensure_decodable,
    name_value_list,
    svg_length,
)


def info_of(tmp_path: Path, name: str, data: bytes) -> Any:
    return describe(samples.write(tmp_path, name, data), ext=name.rsplit(".", 1)[-1])


def test_png_like_the_reference_wiki(tmp_path: Path) -> None:
    info = info_of(tmp_path, "a.png", samples.png("run-png"))
    assert (info.mime, info.media_type, info.width, info.height, info.bits) == (
        "image/png", "BITMAP", 16, 16, 8)
    comment = [{"name": "x-default", "value": "run-png"}, {"name": "_type", "value": "lang"}]
    assert name_value_list(info.metadata) == [
        {"name": "frameCount", "value": 0}, {"name": "loopCount", "value": 1},
        {"name": "duration", "value": 0}, {"name": "bitDepth", "value": 8},
        {"name": "colorType", "value": "truecolour"},
        {"name": "metadata", "value": [{"name": "PNGFileComment", "value": comment},
                                       {"name": "_MW_PNG_VERSION", "value": 1}]},
    ]
    assert name_value_list(info.common_metadata) == [{"name": "PNGFileComment",
                                                      "value": comment}]


def test_png_text_chunks_and_animation(tmp_path: Path) -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Title", "T")
    text.add_itxt("Description", "Beschreibung", lang="de")
    text.add_text("Ignored", "x")
    frames = [Image.new("RGB", (4, 4), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:], duration=[500, 250],
                   loop=3, pnginfo=text)
    info = info_of(tmp_path, "a.png", buffer.getvalue())
    assert info.metadata["frameCount"] == 2 and info.metadata["loopCount"] == 3
    assert info.metadata["duration"] == pytest.approx(2.25)
    assert info.common_metadata == {"ObjectName": {"x-default": "T", "_type": "lang"},
                                    "ImageDescription": {"de": "Beschreibung",
                                                         "_type": "lang"}}


def test_jpeg_comments_exif_and_rotation(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6            # rotated: width and height swap
    exif[0x010F] = "Canon"
    exif[0x011A] = 72
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4)).save(buffer, "JPEG", exif=exif, comment=b"hello")
    info = info_of(tmp_path, "a.jpg", buffer.getvalue())
    assert (info.width, info.height, info.bits) == (4, 6, 8)
    assert info.metadata == {"JPEGFileComment": ["hello"], "Make": "Canon", "Orientation": 6,
                             "XResolution": "72/1", "MEDIAWIKI_EXIF_VERSION": 2}
    assert name_value_list(info.metadata)[0] == {
        "name": "JPEGFileComment", "value": [{"name": 0, "value": "hello"}]}
    assert "MEDIAWIKI_EXIF_VERSION" not in info.common_metadata


def test_jpeg_without_frame_header(tmp_path: Path) -> None:
    # Markers after a short segment are garbage: MediaWiki finds no SOF and says 0x0.
    broken = (b"\xff\xd8\xff\xfe\x00\x06seed\xff\xdb\x00\x43\x00" + b"\x01" * 60
              + b"\xff\xc0\x00\x11\x08\x00\x08\x00\x08\x03" + b"\0" * 9 + b"\xff\xd9")
    info = info_of(tmp_path, "b.jpg", broken)
    assert (info.mime, info.width, info.height, info.bits) == ("image/jpeg", 0, 0, 0)
    assert info.metadata == {"JPEGFileComment": ["seed"], "MEDIAWIKI_EXIF_VERSION": 2}


def test_gif(tmp_path: Path) -> None:
    frames = [Image.new("L", (4, 3), shade) for shade in (0, 128, 255)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:],
                   duration=[100, 200, 250], loop=0, comment=b"hi")
    info = info_of(tmp_path, "a.gif", buffer.getvalue())
    assert (info.width, info.height) == (4, 3)
    assert info.metadata["frameCount"] == 3 and info.metadata["looped"] is True
    assert info.metadata["duration"] == pytest.approx(0.55)
    assert info.metadata["metadata"] == {"GIFFileComment": ["hi"], "_MW_GIF_VERSION": 1}


def test_svg_sizes(tmp_path: Path) -> None:
    info = info_of(tmp_path, "a.svg", samples.svg())
    assert (info.media_type, info.width, info.height, info.bits) == ("DRAWING", 20, 10, 0)
    assert name_value_list(info.metadata) == [
        {"name": "version", "value": 2}, {"name": "width", "value": 20},
        {"name": "height", "value": 10}, {"name": "originalWidth", "value": "20"},
        {"name": "originalHeight", "value": "10"}, {"name": "translations", "value": []}]
    assert info.common_metadata == {}
    boxed = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"/>'
    assert (info_of(tmp_path, "b.svg", boxed).width, info_of(tmp_path, "b.svg", boxed).height) \
        == (512, 256)
    assert svg_length("10mm") == pytest.approx(35.43307)
    assert svg_length("50%", 200) == 100


def test_other_bitmaps(tmp_path: Path) -> None:
    webp = info_of(tmp_path, "a.webp", samples.image_bytes("WEBP", size=(7, 5)))
    assert (webp.width, webp.height, webp.bits) == (7, 5, 0)
    assert webp.metadata == {"compression": "lossy", "width": 7, "height": 5,
                             "metadata": {"_MW_WEBP_VERSION": 1}}
    bmp = info_of(tmp_path, "a.bmp", samples.image_bytes("BMP", size=(3, 2)))
    assert (bmp.mime, bmp.width, bmp.height, bmp.metadata) == ("image/x-bmp", 3, 2, None)


def test_files_without_a_handler(tmp_path: Path) -> None:
    info = info_of(tmp_path, "a.txt", samples.text())
    assert (info.media_type, info.width, info.height, info.metadata) == ("TEXT", 0, 0, None)
    assert info.common_metadata == {}


def test_broken_png(tmp_path: Path) -> None:
    info = info_of(tmp_path, "a.png", samples.png()[:40])
    assert info.metadata == {"_error": "0"} and info.width == 0


def test_decompression_bombs_are_refused_before_decoding(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "bomb.png", samples.png_header_only(100_000, 100_000))
    info = describe(path)                  # header only: reported, never decoded
    assert (info.width, info.height) == (100_000, 100_000)
    with pytest.raises(ImageTooLarge):
        ensure_decodable(path)
    with pytest.raises(ImageTooLarge):
        ensure_decodable(samples.write(tmp_path, "s.png", samples.png()), max_pixels=100)
    ensure_decodable(samples.write(tmp_path, "ok.png", samples.png()))


def test_name_value_list_shapes() -> None:
    assert name_value_list({"a": 1.0, "b": [True, {"c": 0.5}], "d": {}}) == [
        {"name": "a", "value": 1},
        {"name": "b", "value": [{"name": 0, "value": True},
                                {"name": 1, "value": [{"name": "c", "value": 0.5}]}]},
        {"name": "d", "value": []}]


def test_png_chunk_with_bad_crc_is_skipped(tmp_path: Path) -> None:
    good = samples.png()
    ihdr_end = 8 + 8 + 13
    corrupted = good[:ihdr_end] + struct.pack(">I", 0) + good[ihdr_end + 4:]
    info = info_of(tmp_path, "c.png", corrupted)
    assert (info.width, info.height) == (0, 0)


def test_png_image_data_is_skipped_unread() -> None:
    """The metadata is in small chunks; image data, however large, is stepped over."""
    from wikiupload.media.metadata import png_metadata

    image = Image.frombytes("RGB", (512, 512), bytes(range(256)) * 3 * 1024)
    buffer = io.BytesIO()
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "after nothing")
    image.save(buffer, "PNG", pnginfo=text, compress_level=0)
    read: list[int] = []

    class Counting(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            data = super().read(size)
            read.append(len(data))
            return data

    found = png_metadata(Counting(buffer.getvalue()))
    assert (found["width"], found["height"]) == (512, 512)
    assert "PNGFileComment" in found["metadata"]
    assert sum(read) < 1024 < len(buffer.getvalue()) // 100
