"""S3Backend: objects in a bucket of an S3-compatible store (AWS S3, OpenStack Swift's s3api,
MinIO, Ceph RGW), under an optional key prefix.

An S3 PUT, a CopyObject and the completion of a multipart upload each make the object
appear whole or not at all, so writes are atomic without temp names. The store has no
"create only if absent" (Swift answers 501 to ``If-None-Match: *``), so ``overwrite=False`` is
a check before the write: callers serialise writes to one name in the database, as the
file repository requires anyway. Errors become StorageError values whose text names the
operation, the path and the store's error code, never an endpoint secret.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from wikiupload.filerepo.backends.base import (
    AlreadyExists,
    NotFound,
    ObjectStat,
    StorageError,
    StorageUnavailable,
    check_path,
    check_prefix,
)
from wikiupload.filerepo.backends.s3_client import S3Options, error_code, make_client, translated

__all__ = ["MIN_PART_SIZE", "S3Backend", "S3Options", "make_client", "parse_s3_url"]

log = logging.getLogger(__name__)

MiB = 1024 * 1024
MIN_PART_SIZE = 5 * MiB          # every multipart part but the last must be this large
MAX_SINGLE_COPY = 5 * 1024 * MiB  # CopyObject limit; larger objects are copied in parts
COPY_PART_SIZE = 512 * MiB
UPLOAD_PART_SIZE = 16 * MiB
READ_BUFFER = MiB


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` → (bucket, ``prefix/``); the prefix may be empty."""
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not bucket or url == rest:
        raise ValueError(f"storage URL {url!r}: use s3://bucket/prefix")
    prefix = prefix.strip("/")
    if prefix:
        check_path(prefix)
    return bucket, f"{prefix}/" if prefix else ""


class S3Backend:
    """A StorageBackend on one bucket (and key prefix) of an S3-compatible store."""

    def __init__(self, bucket: str, prefix: str = "", *, options: S3Options | None = None,
                 client: Any = None) -> None:
        self.bucket = bucket
        prefix = prefix.strip("/")
        self.prefix = f"{check_path(prefix)}/" if prefix else ""
        self.options = options or S3Options()
        self.client = client if client is not None else make_client(self.options)
        self.transfer = TransferConfig(multipart_threshold=UPLOAD_PART_SIZE * 4,
                                       multipart_chunksize=UPLOAD_PART_SIZE, max_concurrency=2,
                                       use_threads=True)

    @classmethod
    def from_url(cls, url: str, options: S3Options) -> S3Backend:
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix, options=options)

    def __repr__(self) -> str:
        return f"S3Backend(s3://{self.bucket}/{self.prefix})"

    def key(self, path: str) -> str:
        return self.prefix + check_path(path)

    # -- writing -----------------------------------------------------------------------------

    def put_file(self, path: str, source: Path, *, move: bool = False,
                 overwrite: bool = True, source_synced: bool = False) -> None:
        key = self.key(path)
        if not source.exists():
            raise NotFound(str(source))
        if not source.is_file():
            raise StorageError(f"{source} is not a file")
        self._refuse_existing(path, overwrite)
        with translated("put", path):
            self.client.upload_file(str(source), self.bucket, key, Config=self.transfer)
        if move:
            source.unlink()

    def put_bytes(self, path: str, data: bytes, *, overwrite: bool = True,
                  durable: bool = True) -> None:
        key = self.key(path)
        self._refuse_existing(path, overwrite)
        with translated("put", path):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=bytes(data))

    def copy(self, src: str, dst: str, *, overwrite: bool = True) -> None:
        source, target = self.key(src), self.key(dst)
        size = self.stat(src).size
        self._refuse_existing(dst, overwrite)
        with translated("copy", src):
            if size <= MAX_SINGLE_COPY:
                self.client.copy_object(Bucket=self.bucket, Key=target,
                                        CopySource={"Bucket": self.bucket, "Key": source})
            else:
                self._copy_in_parts(source, target, size)

    def _copy_in_parts(self, source: str, target: str, size: int) -> None:
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket,
                                                        Key=target)["UploadId"]
        try:
            parts = []
            for number, start in enumerate(range(0, size, COPY_PART_SIZE), 1):
                end = min(start + COPY_PART_SIZE, size) - 1
                done = self.client.upload_part_copy(
                    Bucket=self.bucket, Key=target, UploadId=upload_id, PartNumber=number,
                    CopySource={"Bucket": self.bucket, "Key": source},
                    CopySourceRange=f"bytes={start}-{end}")
                parts.append({"PartNumber": number, "ETag": done["CopyPartResult"]["ETag"]})
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=target,
                                                  UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts})
        except BaseException:
            self._abort(target, upload_id)
            raise

    def move(self, src: str, dst: str, *, overwrite: bool = True) -> None:
        """A server-side copy, then the source deleted (S3 has no rename). Once the copy is
        in place the move has happened: a source that cannot be deleted is left behind (an
        orphan for the cleanup) rather than reported as a failed move."""
        self.copy(src, dst, overwrite=overwrite)
        try:
            self.delete(src, missing_ok=True)
        except StorageError as error:
            log.warning("moved %s but could not delete the source: %s", src, error)

    def delete(self, path: str, *, missing_ok: bool = False, durable: bool = True) -> None:
        key = self.key(path)
        if not missing_ok and not self.exists(path):
            raise NotFound(path)
        with translated("delete", path):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def _refuse_existing(self, path: str, overwrite: bool) -> None:
        if not overwrite and self.exists(path):
            raise AlreadyExists(path)

    # -- reading -----------------------------------------------------------------------------

    def open(self, path: str) -> BinaryIO:
        key = self.key(path)
        with translated("open", path):
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        raw = _RangeReader(self, key, path, int(head["ContentLength"]), str(head["ETag"]))
        return io.BufferedReader(raw, READ_BUFFER)

    def exists(self, path: str) -> bool:
        try:
            self.stat(path)
        except NotFound:
            return False
        return True

    def stat(self, path: str) -> ObjectStat:
        key = self.key(path)
        with translated("stat", path):
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        return ObjectStat(size=int(head["ContentLength"]),
                          mtime=head["LastModified"].timestamp())

    def iter(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        found: list[str] = []
        with translated("list", prefix or "/"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix)
            for page in pages:
                found.extend(item["Key"][len(self.prefix):] for item in page.get("Contents", []))
        return iter(sorted(found))

    def presigned_url(self, path: str, *, expires: int, content_type: str = "") -> str:
        """A URL that lets anyone GET the object for ``expires`` seconds."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": self.key(path)}
        if content_type:
            params["ResponseContentType"] = content_type
        with translated("presign", path):
            return str(self.client.generate_presigned_url("get_object", Params=params,
                                                          ExpiresIn=expires))

    # -- multipart uploads (chunked uploads assemble with these) --------------------------------

    def start_upload(self, path: str) -> str:
        with translated("start upload", path):
            return str(self.client.create_multipart_upload(Bucket=self.bucket,
                                                           Key=self.key(path))["UploadId"])

    def upload_part(self, path: str, upload_id: str, number: int, source: Path) -> str:
        """Send one part from a local file; returns its ETag."""
        with translated("upload part", path), open(source, "rb") as body:
            done = self.client.upload_part(Bucket=self.bucket, Key=self.key(path),
                                           UploadId=upload_id, PartNumber=number, Body=body)
        return str(done["ETag"])

    def complete_upload(self, path: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        listed = [{"PartNumber": number, "ETag": etag} for number, etag in parts]
        with translated("complete upload", path):
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=self.key(path),
                                                  UploadId=upload_id,
                                                  MultipartUpload={"Parts": listed})

    def abort_upload(self, path: str, upload_id: str) -> None:
        """Drop an unfinished multipart upload and its parts (already gone: fine)."""
        self._abort(self.key(path), upload_id)

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as exc:
            if error_code(exc) not in ("NoSuchUpload", "404"):
                raise StorageError(f"abort upload: the store answered {error_code(exc)}"
                                   ) from None
        except BotoCoreError as exc:
            raise StorageUnavailable(
                f"abort upload: the store did not answer ({type(exc).__name__})") from None

    def abort_stale_uploads(self, prefix: str, older_than: float) -> int:
        """Abort multipart uploads under ``prefix`` started before ``older_than`` (epoch
        seconds): parts of chunk sessions that expired. Returns how many were aborted."""
        check_prefix(prefix)
        stale: list[tuple[str, str]] = []
        with translated("list uploads", prefix or "/"):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix)
            for page in pages:
                stale.extend((item["Key"], item["UploadId"]) for item in page.get("Uploads", [])
                             if item["Initiated"].timestamp() < older_than)
        for key, upload_id in stale:
            self._abort(key, upload_id)
        return len(stale)

    def read_range(self, path: str, start: int, length: int) -> bytes:
        """A few bytes of an object (bounded reads only)."""
        if length <= 0:
            return b""
        with translated("read", path):
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(path),
                                            Range=f"bytes={start}-{start + length - 1}")
            return bytes(answer["Body"].read())


class _RangeReader(io.RawIOBase):
    """A seekable raw stream over one version of an object: a GET from the current position
    that is reused while reading on, replaced after a seek. ``If-Match`` pins the version
    opened: a replaced object makes the read fail instead of mixing versions."""

    def __init__(self, backend: S3Backend, key: str, path: str, size: int, etag: str) -> None:
        super().__init__()
        self.backend, self.key, self.path = backend, key, path
        self.size, self.etag = size, etag
        self.position = 0
        self.body: Any = None
        self.body_position = -1

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self.position = base + offset
        return self.position

    def readinto(self, buffer: Any) -> int:
        if self.position >= self.size:
            return 0
        if self.body is None or self.body_position != self.position:
            self._open_body()
        view = memoryview(buffer).cast("B")
        with translated("read", self.path):
            data = self.body.read(len(view))
        if not data:
            raise StorageError(f"read {self.path}: the object ended early")
        view[:len(data)] = data
        self.position += len(data)
        self.body_position = self.position
        return len(data)

    def _open_body(self) -> None:
        self._close_body()
        with translated("read", self.path):
            answer = self.backend.client.get_object(
                Bucket=self.backend.bucket, Key=self.key, Range=f"bytes={self.position}-",
                IfMatch=self.etag)
        self.body = answer["Body"]
        self.body_position = self.position

    def _close_body(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._close_body()
        super().close()
