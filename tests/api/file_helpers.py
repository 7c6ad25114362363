"""Files for the file-query tests, written straight through the repository and the models.

``store_file`` does what a publish does to the storage and the tables: the bytes become the
current version (the previous one is archived and recorded in ``oldimage``), the ``image``
row is written with the dimensions and metadata ``media.images.describe`` finds, and the
description page is created on the first version. Images are made with Pillow.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageDraw, PngImagePlugin
from sqlalchemy import select

from wikiupload.db.file_models import Image, OldImage
from wikiupload.db.models import User
from wikiupload.filerepo.repo import sha1_base36
from wikiupload.media.images import describe, name_value_list
from wikiupload.pages import find_page, save_page
from wikiupload.titles import NS_FILE, Title
from wikiupload.wiki import Wiki

BASE_TIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Stored:
    name: str
    sha1: str           # hex
    size: int
    width: int
    height: int
    timestamp: datetime
    page_id: int
    archive_name: str | None    # of the version this one replaced


def png(width: int = 16, height: int = 16, color: tuple[int, int, int] = (200, 30, 30),
        comment: str | None = None) -> bytes:
    image = PILImage.new("RGB", (width, height), color)
    ImageDraw.Draw(image).line((0, 0, width, height), fill=(0, 0, 255), width=2)
    info = PngImagePlugin.PngInfo()
    if comment is not None:
        info.add_text("Comment", comment)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg(width: int = 40, height: int = 30, artist: str | None = None) -> bytes:
    image = PILImage.new("RGB", (width, height), (10, 120, 200))
    out = io.BytesIO()
    if artist is None:
        image.save(out, "JPEG", quality=80)
    else:
        exif = PILImage.Exif()
        exif[0x013B] = artist
        image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def gif(width: int = 20, height: int = 10) -> bytes:
    frames = [PILImage.new("P", (width, height), shade) for shade in (10, 90)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=[100, 200],
                   loop=0)
    return out.getvalue()


def _metadata_json(path: Path) -> tuple[dict[str, object], int, int, int, str, str]:
    info = describe(path)
    stored = {
        "metadata": name_value_list(info.metadata) if info.metadata else None,
        "commonmetadata": name_value_list(info.common_metadata),
    }
    return stored, info.width, info.height, info.bits, info.mime, info.media_type


def store_file(wiki: Wiki, name: str, data: bytes, user: str = "Uploader",
               timestamp: datetime | None = None, comment: str = "") -> Stored:
    """Make ``data`` the current version of ``name`` (a DB key) and commit."""
    when = (timestamp or BASE_TIME).astimezone(UTC).replace(microsecond=0)
    repo = wiki.filerepo
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        stored, width, height, bits, mime, media_type = _metadata_json(path)
        with wiki.db() as db:
            author = db.scalars(select(User).where(User.name == user)).first()
            previous = db.get(Image, name)
            result = repo.publish(name, path, timestamp=when, archive=previous is not None)
            if previous is not None and result.archive_name is not None:
                db.add(_archived(previous, result.archive_name))
                db.delete(previous)
                db.flush()
            major, minor = mime.split("/", 1)
            hex_sha1 = hashlib.sha1(data).hexdigest()
            db.add(Image(name=name, size=len(data), width=width, height=height, bits=bits,
                         metadata_json=json.dumps(stored), media_type=media_type,
                         major_mime=major, minor_mime=minor, description=comment,
                         user_id=author.id if author else 0,
                         user_text=author.name if author else user, timestamp=when,
                         sha1=sha1_base36(hex_sha1)))
            page_id = _description_page(db, name, comment, author, when)
            db.commit()
    return Stored(name, hex_sha1, len(data), width, height, when, page_id,
                  result.archive_name)


def _archived(previous: Image, archive_name: str) -> OldImage:
    return OldImage(name=previous.name, archive_name=archive_name, size=previous.size,
                    width=previous.width, height=previous.height, bits=previous.bits,
                    metadata_json=previous.metadata_json, media_type=previous.media_type,
                    major_mime=previous.major_mime, minor_mime=previous.minor_mime,
                    description=previous.description, user_id=previous.user_id,
                    user_text=previous.user_text, timestamp=previous.timestamp,
                    sha1=previous.sha1, deleted=0)


def _description_page(db: object, name: str, comment: str, author: User | None,
                      when: datetime) -> int:
    from sqlalchemy.orm import Session

    assert isinstance(db, Session)
    title = Title(NS_FILE, name.replace("_", " "))
    page = find_page(db, title)
    if page is not None:
        return page.id
    actor = author if author is not None else db.scalars(select(User)).first()
    assert actor is not None
    return save_page(db, title, comment, comment, actor, timestamp=when,
                     count_edit=False).page_id


def history(wiki: Wiki, name: str, count: int, start: datetime = BASE_TIME) -> list[Stored]:
    """``count`` versions of a PNG named ``name``, one minute apart; oldest first."""
    return [store_file(wiki, name, png(16 + i, 16, (i * 40 % 256, 10, 10)),
                       timestamp=start + timedelta(minutes=i), comment=f"v{i + 1}")
            for i in range(count)]
