"""FileRepo: MediaWiki's paths, names, keys and URLs; publish/delete/restore on a backend."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from wikiupload.config import Settings, load
from wikiupload.filerepo import (
    AlreadyExists,
    FileRepo,
    LocalBackend,
    Location,
    MemoryBackend,
    NotFound,
    PublishResult,
    extension_of,
    mw_timestamp,
    normalize_extension,
    sha1_base36,
    sha1_hex,
)

WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load(env={}, data_dir=tmp_path / "data", server="https://media.example.org")


@pytest.fixture
def repo(settings: Settings) -> FileRepo:
    return FileRepo(MemoryBackend(), settings)


def upload(tmp_path: Path, data: bytes, name: str = "upload.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(repo: FileRepo, path: str) -> bytes:
    with repo.backend.open(path) as fh:
        return fh.read()


# -- paths and names -------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("Example.png", "7/70/"),          # md5 701dd924…
    ("Example.jpg", "a/a9/"),          # md5 a91fe217…
    ("Ñame.jpg", "6/63/"),             # md5 of the UTF-8 bytes, 63ae2ca8…
    # Observed on a MediaWiki 1.39 installation:
    ("Refcapture_1795313967.png", "9/9a/"),
    ("Refcapture2_1795313968.png", "f/f1/"),
])
def test_hash_path(name: str, expected: str) -> None:
    assert FileRepo.hash_path(name) == expected
    digest = hashlib.md5(name.encode()).hexdigest()
    assert expected == f"{digest[0]}/{digest[:2]}/"


def test_public_archive_thumb_temp_paths(repo: FileRepo) -> None:
    assert repo.public_path("Example.png") == "7/70/Example.png"
    archive_name = repo.archive_name(WHEN, "Example.png")
    assert archive_name == "20240102030405!Example.png"
    assert repo.archive_path(archive_name) == "archive/7/70/20240102030405!Example.png"
    assert repo.thumb_dir("Example.png") == "thumb/7/70/Example.png"
    assert (repo.thumb_path("Example.png", "120px-Example.png")
            == "thumb/7/70/Example.png/120px-Example.png")
    stash_name = "20240102030405!Example.png"
    assert repo.temp_path(stash_name) == "temp/7/70/20240102030405!Example.png"


def test_thumb_names() -> None:
    assert FileRepo.thumb_name("Example.png", 120) == "120px-Example.png"
    assert FileRepo.thumb_name("Example.png", 120, "png") == "120px-Example.png"
    assert FileRepo.thumb_name("Drawing.svg", 120, "png") == "120px-Drawing.svg.png"
    assert FileRepo.thumb_name("Photo.JPEG", 80, "jpg") == "80px-Photo.JPEG"


def test_archive_names_and_timestamps(repo: FileRepo) -> None:
    plus_two = timezone(timedelta(hours=2))
    assert repo.archive_name(datetime(2024, 1, 2, 5, 4, 5, tzinfo=plus_two), "A.png") \
        == "20240102030405!A.png"
    assert repo.archive_name(datetime(2024, 1, 2, 3, 4, 5), "A.png") == "20240102030405!A.png"
    assert repo.archive_name("20991231235959", "A.png") == "20991231235959!A.png"
    assert mw_timestamp(WHEN) == "20240102030405"
    for bad in ("2024-01-02", "2024010203040", "x" * 14):
        with pytest.raises(ValueError):
            mw_timestamp(bad)
    for bad_archive in ("A.png", "2024!A.png", "20240102030405!", "20240102030405!a/b.png"):
        with pytest.raises(ValueError):
            repo.archive_path(bad_archive)


def test_sha1_base36_of_known_data() -> None:
    empty = hashlib.sha1(b"").hexdigest()
    assert sha1_base36(empty) == "phoiac9h4m842xq45sp7s6u21eteeq1"
    # A file on a MediaWiki 1.39 installation: API hex and what aisha1base36 finds it by.
    assert sha1_base36("7aa18b613b95a9222f9bff2b709de473b9a82287") \
        == "eborxafcfpjbhhnzh047i9h0sl65u9z"
    assert sha1_base36("0" * 40) == "0" * 31
    assert sha1_base36("F" * 40) == "twj4yidkw7a8pn4g709kzmfoaol3x8f"
    for hex_digest in (empty, "0" * 40, "f" * 40, hashlib.sha1(b"abc").hexdigest()):
        assert len(sha1_base36(hex_digest)) == 31
        assert sha1_hex(sha1_base36(hex_digest)) == hex_digest
    assert sha1_hex("1") == "0" * 39 + "1"
    for bad in ("", "xyz", "0" * 39, "0" * 41):
        with pytest.raises(ValueError):
            sha1_base36(bad)
    for bad in ("", "!", "z" * 31, "0" * 32):
        with pytest.raises(ValueError):
            sha1_hex(bad)


@pytest.mark.parametrize(("raw", "normalised"), [
    ("PNG", "png"), ("jpeg", "jpg"), ("JPEG", "jpg"), ("htm", "html"), ("mpeg", "mpg"),
    ("TIFF", "tif"), ("ogv", "ogg"), ("svg", "svg"), ("tar.gz", ""), ("ß", ""), ("", ""),
])
def test_normalize_extension(raw: str, normalised: str) -> None:
    assert normalize_extension(raw) == normalised


def test_extension_of() -> None:
    assert extension_of("Photo.JPEG") == "jpg"
    assert extension_of("Archive.tar.gz") == "gz"
    assert extension_of("README") == ""


def test_deleted_keys_and_paths() -> None:
    sha1 = "phoiac9h4m842xq45sp7s6u21eteeq1"
    assert FileRepo.deleted_key(sha1, "Photo.JPEG") == f"{sha1}.jpg"
    assert FileRepo.deleted_key(sha1, "README") == sha1
    assert FileRepo.deleted_path(f"{sha1}.jpg") == f"deleted/p/h/o/{sha1}.jpg"
    with pytest.raises(ValueError):
        FileRepo.deleted_key("da39a3ee5e6b4b0d3255bfef95601890afd80709", "A.png")
    for bad_key in ("../../etc", f"{sha1}/x", sha1[:30]):
        with pytest.raises(ValueError):
            FileRepo.deleted_path(bad_key)


def test_locate_parses_served_paths(repo: FileRepo) -> None:
    assert repo.locate("7/70/Example.png") == Location("public", "Example.png")
    assert repo.locate("archive/7/70/20240102030405!Example.png") == Location(
        "archive", "Example.png", archive_name="20240102030405!Example.png")
    assert repo.locate("thumb/7/70/Example.png/120px-Example.png") == Location(
        "thumb", "Example.png", thumb_name="120px-Example.png")
    for private_or_wrong in (
        "0/00/Example.png",                       # wrong hash
        "deleted/p/h/o/phoiac9h4m842xq45sp7s6u21eteeq1.png",
        "temp/7/70/20240102030405!Example.png",
        "lockdir/x", "7/70/", "7/70/a/b", "archive/7/70/Example.png",
        "thumb/7/70/Example.png", "thumb/7/70/Example.png/", "", "../7/70/Example.png",
    ):
        assert repo.locate(private_or_wrong) is None, private_or_wrong


# -- URLs ------------------------------------------------------------------------------------

def test_urls(repo: FileRepo) -> None:
    root = "https://media.example.org/images"
    assert repo.url_root == root
    assert repo.url("Example.png") == f"{root}/7/70/Example.png"
    assert repo.url("Ñame_(1)!&+.jpg") == \
        f"{root}/{repo.hash_path('Ñame_(1)!&+.jpg')}%C3%91ame_%281%29%21%26%2B.jpg"
    assert repo.archive_url("20240102030405!Example.png") \
        == f"{root}/archive/7/70/20240102030405%21Example.png"
    assert repo.thumb_url("Drawing 1.svg", "120px-Drawing 1.svg.png") == (
        f"{root}/thumb/{repo.hash_path('Drawing 1.svg')}Drawing%201.svg/"
        "120px-Drawing%201.svg.png")


def test_url_root_variants(settings: Settings) -> None:
    def root(**changes: object) -> str:
        return FileRepo(MemoryBackend(), settings.replace(**changes)).url_root

    assert root(upload_path="/w/images/") == "https://media.example.org/w/images"
    assert root(upload_path="https://upload.example.org/wiki") == \
        "https://upload.example.org/wiki"
    assert root(upload_path="//upload.example.org/wiki") == "//upload.example.org/wiki"
    assert root(server="", host="127.0.0.1", port=8123) == "http://127.0.0.1:8123/images"


def test_from_settings(settings: Settings, tmp_path: Path) -> None:
    repo = FileRepo.from_settings(settings)
    assert isinstance(repo.backend, LocalBackend)
    assert repo.backend.root == (settings.data_dir / "images").resolve()
    other = FileRepo.from_settings(settings.replace(storage_url=f"file://{tmp_path}/s"))
    assert isinstance(other.backend, LocalBackend)
    assert other.backend.root == (tmp_path / "s").resolve()


# -- operations ------------------------------------------------------------------------------

def test_first_publish_does_not_archive(repo: FileRepo, tmp_path: Path) -> None:
    source = upload(tmp_path, b"v1")
    result = repo.publish("Example.png", source, timestamp=WHEN)
    assert result == PublishResult("7/70/Example.png")
    assert not result.archived
    assert read(repo, "7/70/Example.png") == b"v1"
    assert not source.exists()  # moved by default


def test_reupload_archives_the_current_version(repo: FileRepo, tmp_path: Path) -> None:
    repo.publish("Example.png", upload(tmp_path, b"v1"), timestamp=WHEN)
    source = upload(tmp_path, b"v2")
    result = repo.publish("Example.png", source, timestamp=LATER, move=False)
    assert result == PublishResult("7/70/Example.png", "20240203040506!Example.png",
                                   "archive/7/70/20240203040506!Example.png")
    assert result.archived
    assert read(repo, "7/70/Example.png") == b"v2"
    assert read(repo, "archive/7/70/20240203040506!Example.png") == b"v1"
    assert source.exists()


def test_publish_without_archive_overwrites(repo: FileRepo, tmp_path: Path) -> None:
    repo.backend.put_bytes("7/70/Example.png", b"orphan")
    result = repo.publish("Example.png", upload(tmp_path, b"v1"), timestamp=WHEN,
                          archive=False)
    assert not result.archived
    assert list(repo.backend.iter()) == ["7/70/Example.png"]


def test_archive_collision_changes_nothing(repo: FileRepo, tmp_path: Path) -> None:
    repo.publish("Example.png", upload(tmp_path, b"v1"), timestamp=WHEN)
    repo.publish("Example.png", upload(tmp_path, b"v2"), timestamp=LATER)
    source = upload(tmp_path, b"v3")
    with pytest.raises(AlreadyExists):
        repo.publish("Example.png", source, timestamp=LATER)
    assert read(repo, "7/70/Example.png") == b"v2"
    assert source.exists()


def test_revert_publishes_a_stored_version(repo: FileRepo, tmp_path: Path) -> None:
    repo.publish("Example.png", upload(tmp_path, b"v1"), timestamp=WHEN)
    first = repo.publish("Example.png", upload(tmp_path, b"v2"), timestamp=LATER)
    assert first.archive_path is not None
    third = datetime(2024, 3, 1, tzinfo=UTC)
    result = repo.publish_stored("Example.png", first.archive_path, timestamp=third)
    assert result.archive_name == "20240301000000!Example.png"
    assert read(repo, "7/70/Example.png") == b"v1"
    assert read(repo, "archive/7/70/20240301000000!Example.png") == b"v2"
    assert read(repo, first.archive_path) == b"v1"


def test_delete_and_restore(repo: FileRepo, tmp_path: Path) -> None:
    sha1 = sha1_base36(hashlib.sha1(b"v1").hexdigest())
    repo.publish("Example.png", upload(tmp_path, b"v1"), timestamp=WHEN)
    old = repo.publish("Example.png", upload(tmp_path, b"v1"), timestamp=LATER)
    assert old.archive_path is not None and old.archive_name is not None
    # Both versions have the same content: one deleted object.
    key_current = repo.store_deleted("7/70/Example.png", sha1=sha1, name="Example.png")
    key_old = repo.store_deleted(old.archive_path, sha1=sha1, name="Example.png")
    assert key_current == key_old == f"{sha1}.png"
    assert list(repo.backend.iter()) == [repo.deleted_path(key_current)]
    with pytest.raises(NotFound):
        repo.store_deleted(old.archive_path, sha1=sha1, name="Example.png")

    assert repo.restore_archived(key_old, old.archive_name) == old.archive_path
    restored = repo.publish_stored("Example.png", repo.deleted_path(key_current),
                                   timestamp=LATER, archive=False)
    assert restored == PublishResult("7/70/Example.png")
    assert read(repo, "7/70/Example.png") == b"v1"
    assert read(repo, old.archive_path) == b"v1"
    repo.purge_deleted(key_current)
    repo.purge_deleted(key_current)
    assert sorted(repo.backend.iter()) == sorted([old.archive_path, "7/70/Example.png"])


def test_purge_thumbs(repo: FileRepo) -> None:
    for path in ("thumb/7/70/Example.png/120px-Example.png",
                 "thumb/7/70/Example.png/240px-Example.png",
                 "thumb/7/70/Example.png2/120px-Example.png2"):
        repo.backend.put_bytes(path, b"t")
    assert repo.purge_thumbs("Example.png") == [
        "thumb/7/70/Example.png/120px-Example.png",
        "thumb/7/70/Example.png/240px-Example.png"]
    assert list(repo.backend.iter()) == ["thumb/7/70/Example.png2/120px-Example.png2"]


def test_publish_on_disk(settings: Settings, tmp_path: Path) -> None:
    repo = FileRepo.from_settings(settings)
    repo.publish("Example.png", upload(tmp_path, b"v1"), timestamp=WHEN)
    repo.publish("Example.png", upload(tmp_path, b"v2"), timestamp=LATER)
    images = settings.data_dir / "images"
    assert (images / "7/70/Example.png").read_bytes() == b"v2"
    assert (images / "archive/7/70/20240203040506!Example.png").read_bytes() == b"v1"
