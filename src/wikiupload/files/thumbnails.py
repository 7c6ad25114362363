"""Thumbnails: MediaWiki's scaling rules, rendering with Pillow, storage in the thumb zone.

A thumbnail of ``Name.png`` at 120 pixels is stored at ``thumb/h/hh/Name.png/120px-Name.png``
(old versions under ``thumb/archive/h/hh/<archive name>/``, stashed files under
``thumb/temp/…``). Formats the browser cannot show are rendered to PNG and get ``.png``
appended (``120px-Name.webp.png``). Bitmaps are never scaled up: asking for the original
width or more gives the original file back (except for formats that must be rendered).

Thumbnails are made on demand, once: an existing object is reused. Rendering refuses images
whose header declares more pixels than the thumbnailing limit before decoding anything.
SVG is rendered to PNG only when ``rsvg-convert`` or the ``cairosvg`` module is available;
otherwise SVG "thumbnails" are the original drawing (its URL and size).
"""

from __future__ import annotations

import importlib
import io
import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from wikiupload.filerepo.repo import ARCHIVE_ZONE, THUMB_ZONE, FileRepo, extension_of
from wikiupload.files.metadata import rotation_of, stored_metadata
from wikiupload.media.images import ImageTooLarge, ensure_decodable

__all__ = ["MAX_IMAGE_AREA", "ThumbRequest", "ThumbSource", "Transform", "ensure_thumbnail",
           "fit_box_width", "has_handler", "make_thumbnail", "normalise", "scale_height",
           "svg_renderer", "thumb_type", "transform"]

MAX_IMAGE_AREA = 12_500_000     # $wgMaxImageArea
MAX_THUMB_LIMIT = 300           # max($wgThumbLimits)
SVG_MAX_SIZE = 5120             # $wgSVGMaxSize
JPEG_QUALITY = 80
TRANSFORM_LIMIT = 50            # thumbnails per API request
RENDER_TIMEOUT = 60
_HANDLED = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp",
                      "image/x-bmp", "image/tiff", "image/svg+xml"})
# Types whose thumbnails are PNG and which are always rendered, even at full size.
_RENDERED_TO_PNG = frozenset({"image/webp", "image/bmp", "image/x-bmp", "image/tiff",
                              "image/svg+xml"})
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF"}
_ICONS = frozenset({"c", "cpp", "deb", "djvu", "dvi", "exe", "h", "html", "iso", "java",
                    "mid", "mov", "mpga", "o", "ogg", "pdf", "ps", "psd", "rm", "rpm", "svg",
                    "tar", "tex", "ttf", "txt", "xcf"})
_THUMB_NAME = re.compile(r"(\d+)px-(.+)")


@dataclass(frozen=True)
class ThumbRequest:
    """Requested box: ``width`` (None: the file's own width) and ``height`` (-1: any)."""

    width: int | None
    height: int = -1


@dataclass(frozen=True)
class ThumbSource:
    """One stored version thumbnails are made from, and where its thumbnails go."""

    name: str           # the file name thumbnail names are built from
    mime: str
    width: int
    height: int
    path: str           # backend path of the original bytes
    url: str            # full URL of the original
    thumb_dir: str      # backend directory of the thumbnails
    thumb_url_dir: str  # URL of that directory; thumbnail names are appended to it
    rotation: int = 0   # EXIF orientation to apply (JPEG)
    url_safe: str = ""  # characters left unescaped in thumbnail names in URLs

    def thumb_url(self, thumb_name: str) -> str:
        return f"{self.thumb_url_dir}/{quote(thumb_name, safe=self.url_safe)}"


@dataclass(frozen=True)
class Transform:
    """A transform's result (MediaTransformOutput): a URL and the size to show it at."""

    url: str
    width: int
    height: int
    mime: str | None = None     # type of the thumbnail (None: no image handler)
    error: str | None = None    # thumberror text

    @property
    def ok(self) -> bool:
        return self.error is None


def has_handler(mime: str) -> bool:
    return mime in _HANDLED


def must_render(source: ThumbSource) -> bool:
    return source.mime in _RENDERED_TO_PNG or source.rotation in (3, 6, 8)


def thumb_type(mime: str) -> tuple[str, str]:
    """(extension, MIME type) of the thumbnails of a type."""
    if mime in _RENDERED_TO_PNG:
        return "png", "image/png"
    return {"image/jpeg": ("jpg", mime), "image/gif": ("gif", mime)}.get(mime, ("png", mime))


def scale_height(src_width: int, src_height: int, width: int) -> int:
    """File::scaleHeight: the height at ``width``, rounded half up."""
    return 0 if src_width == 0 else math.floor(src_height * width / src_width + 0.5)


def fit_box_width(box_width: int, box_height: int, max_height: int) -> int:
    """The largest width whose scaled height does not exceed ``max_height``."""
    ideal = box_width * max_height / box_height
    rounded_up = math.ceil(ideal)
    if math.floor(rounded_up * box_height / box_width + 0.5) > max_height:
        return math.floor(ideal)
    return rounded_up


def normalise(src_width: int, src_height: int, request: ThumbRequest,
              ) -> tuple[int, int, int, int] | None:
    """ImageHandler's normalisation: (physical width, physical height, client width,
    client height), or None when no thumbnail can be made for the request."""
    width = src_width if request.width is None else request.width
    if request.width is None and src_width <= 0:
        width = MAX_THUMB_LIMIT
    height = request.height
    physical = width
    if height != -1:
        if width * src_height > height * src_width:
            width = physical = max(fit_box_width(src_width, src_height, height), 1)
        else:
            height = -1
    if physical <= 0 or src_width <= 0:
        return None
    physical_height = max(scale_height(src_width, src_height, physical), 1)
    return physical, physical_height, width, height if height != -1 else physical_height


def transform(repo: FileRepo, source: ThumbSource, request: ThumbRequest, *,
              render_now: bool = True) -> Transform | None:
    """File::transform for the API: None when the request cannot be normalised.

    ``render_now=False`` gives the thumbnail's URL without making it: it is rendered when
    first fetched (upload results use this so an upload never decodes the image).
    """
    if not has_handler(source.mime):
        return _icon(repo, source)
    sizes = normalise(source.width, source.height, request)
    if sizes is None:
        return None
    physical_width, physical_height, client_width, client_height = sizes
    if source.mime == "image/svg+xml":
        physical_width, physical_height = _svg_cap(source, physical_width, physical_height)
        if svg_renderer() is None:
            return Transform(source.url, client_width, client_height, source.mime)
    elif physical_width >= source.width:
        physical_width, physical_height = source.width, source.height
        if not must_render(source):
            return Transform(source.url, client_width, client_height, source.mime)
    if source.width * source.height > MAX_IMAGE_AREA and source.mime != "image/svg+xml":
        return _too_big()
    extension, mime = thumb_type(source.mime)
    name = FileRepo.thumb_name(source.name, physical_width, extension)
    if not render_now:
        return Transform(source.thumb_url(name), client_width, client_height, mime)
    try:
        render(repo, source, name, physical_width, physical_height)
    except (ImageTooLarge, OSError, ValueError, UnidentifiedImageError) as error:
        return Transform(source.url, client_width, client_height, mime,
                         error=f"Error creating thumbnail: {error}")
    return Transform(source.thumb_url(name), client_width, client_height, mime)


def _svg_cap(source: ThumbSource, width: int, height: int) -> tuple[int, int]:
    if width <= height and width > SVG_MAX_SIZE:
        return SVG_MAX_SIZE, scale_height(source.width, source.height, SVG_MAX_SIZE)
    if width > height and height > SVG_MAX_SIZE:
        return scale_height(source.height, source.width, SVG_MAX_SIZE), SVG_MAX_SIZE
    return width, height


def _icon(repo: FileRepo, source: ThumbSource) -> Transform:
    """The file-type icon MediaWiki shows for files it cannot render."""
    extension = extension_of(source.name)
    icon = f"fileicon-{extension}.png" if extension in _ICONS else "fileicon.png"
    settings = repo.settings
    url = f"{settings.base_url}{settings.script_path}/resources/assets/file-type-icons/{icon}"
    return Transform(url, 120, 120)


def _too_big() -> Transform:
    megapixels = f"{MAX_IMAGE_AREA / 1_000_000:g}"
    return Transform("", 120, 120,
                     error=f"Error creating thumbnail: File with dimensions greater than "
                           f"{megapixels} MP")


def render(repo: FileRepo, source: ThumbSource, thumb_name: str, width: int,
           height: int) -> str:
    """Store the thumbnail ``thumb_name`` of ``source`` unless it exists; returns its path."""
    target = f"{source.thumb_dir}/{thumb_name}"
    if repo.backend.exists(target):
        return target
    with _local_copy(repo, source.path) as local:
        if source.mime == "image/svg+xml":
            data = _render_svg(local, width, height)
        else:
            data = _render_bitmap(local, source, width, height)
    repo.backend.put_bytes(target, data)
    return target


@contextmanager
def _local_copy(repo: FileRepo, path: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="wikiupload-thumb-") as directory:
        local = Path(directory) / "source"
        with repo.backend.open(path) as stream, local.open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        yield local


def _render_bitmap(local: Path, source: ThumbSource, width: int, height: int) -> bytes:
    ensure_decodable(local, MAX_IMAGE_AREA)
    with PILImage.open(local) as image:
        image.seek(0)
        frame = ImageOps.exif_transpose(image) if source.rotation else image
        fmt = _FORMATS.get(thumb_type(source.mime)[1], "PNG")
        frame = _convert_mode(frame, fmt)
        scaled = frame.resize((width, height), PILImage.Resampling.LANCZOS)
        if fmt == "GIF":
            scaled = scaled.convert("RGBA").quantize(255) if scaled.mode != "P" else scaled
        out = io.BytesIO()
        options: dict[str, Any] = {"quality": JPEG_QUALITY} if fmt == "JPEG" else {}
        scaled.save(out, fmt, **options)
        return out.getvalue()


def _convert_mode(image: PILImage.Image, fmt: str) -> PILImage.Image:
    if fmt == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    return image.convert("RGBA")


def svg_renderer() -> str | None:
    """``rsvg-convert`` or ``cairosvg`` when one is installed, else None."""
    if shutil.which("rsvg-convert"):
        return "rsvg-convert"
    try:
        importlib.import_module("cairosvg")
    except ImportError:
        return None
    return "cairosvg"


def _render_svg(local: Path, width: int, height: int) -> bytes:
    renderer = svg_renderer()
    if renderer == "rsvg-convert":
        done = subprocess.run(
            ["rsvg-convert", "-w", str(width), "-h", str(height), "-f", "png", str(local)],
            capture_output=True, timeout=RENDER_TIMEOUT, check=False)
        if done.returncode != 0 or not done.stdout:
            raise OSError(done.stderr.decode("utf-8", "replace").strip() or "rsvg-convert")
        return done.stdout
    if renderer == "cairosvg":
        cairosvg: Any = importlib.import_module("cairosvg")
        data = cairosvg.svg2png(url=str(local), output_width=width, output_height=height)
        return bytes(data)
    raise OSError("no SVG renderer is installed")


def ensure_thumbnail(wiki: Any, name: str, thumb_name: str, archive_name: str = "") -> bool:
    """Make the thumbnail ``thumb_name`` of the current version of ``name`` (or of its old
    version ``archive_name``) if it is a thumbnail MediaWiki would make; True when it exists
    afterwards."""
    from sqlalchemy import select

    from wikiupload.db.file_models import Image, OldImage

    repo: FileRepo = wiki.filerepo
    with wiki.db() as db:
        if archive_name:
            row = db.scalars(select(OldImage).where(
                OldImage.name == name, OldImage.archive_name == archive_name)).first()
        else:
            row = db.get(Image, name)
    if row is None or (archive_name and row.deleted & 1):
        return False
    rotation = rotation_of(row.mime, stored_metadata(row)[0])
    source = (archived_source(repo, row, rotation) if archive_name
              else current_source(repo, row, rotation))
    return make_thumbnail(repo, source, thumb_name) is not None


def make_thumbnail(repo: FileRepo, source: ThumbSource, thumb_name: str) -> str | None:
    """The backend path of the thumbnail ``thumb_name`` of ``source``, made now if needed;
    None when it is not a thumbnail MediaWiki would make (or making it failed)."""
    match = _THUMB_NAME.fullmatch(thumb_name)
    if match is None:
        return None
    width = int(match.group(1))
    extension, _mime = thumb_type(source.mime)
    if (not has_handler(source.mime)
            or FileRepo.thumb_name(source.name, width, extension) != thumb_name):
        return None
    path = f"{source.thumb_dir}/{thumb_name}"
    if repo.backend.exists(path):
        return path
    result = transform(repo, source, ThumbRequest(width))
    made = (result is not None and result.ok and result.url != source.url
            and repo.backend.exists(path))
    return path if made else None


def current_source(repo: FileRepo, row: Any, rotation: int = 0) -> ThumbSource:
    """The thumbnail source of a current version (an ``Image`` row)."""
    name = str(row.name)
    thumb_url = repo.thumb_url(name, "x").rsplit("/", 1)[0]
    return ThumbSource(name, row.mime, row.width, row.height, repo.public_path(name),
                       repo.url(name), repo.thumb_dir(name), thumb_url, rotation)


def archived_source(repo: FileRepo, row: Any, rotation: int = 0) -> ThumbSource:
    """The thumbnail source of an old version (an ``OldImage`` row)."""
    name, archive_name = str(row.name), str(row.archive_name)
    url = repo.archive_url(archive_name)
    url_dir = url.replace(f"/{ARCHIVE_ZONE}/", f"/{THUMB_ZONE}/{ARCHIVE_ZONE}/", 1)
    return ThumbSource(name, row.mime, row.width, row.height, repo.archive_path(archive_name),
                       url, repo.archive_thumb_dir(archive_name), url_dir, rotation)
