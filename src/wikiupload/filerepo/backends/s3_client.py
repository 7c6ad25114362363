"""The boto3 side of the S3 backend: client settings that work on AWS and on Swift's s3api
(SigV4, path-style addressing, checksums only when required, Content-MD5 on DeleteObjects),
and boto3's exceptions turned into StorageError values that carry no endpoint secrets."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from wikiupload.filerepo.backends.base import (
    NotFound,
    StorageError,
    StorageUnavailable,
    StoreMisconfigured,
)

__all__ = ["S3Options", "error_code", "make_client", "storage_error", "translated"]

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_BUSY = frozenset({"503", "500", "502", "504", "SlowDown", "ServiceUnavailable",
                   "InternalError", "RequestTimeout"})


@dataclass(frozen=True)
class S3Options:
    """How to reach the store; the secret never appears in a repr."""

    endpoint_url: str = ""
    region: str = "us-east-1"
    access_key: str = ""
    secret_key: str = ""
    addressing_style: str = "path"
    connect_timeout: int = 5
    read_timeout: int = 60
    max_attempts: int = 3

    def __repr__(self) -> str:
        return f"S3Options(endpoint_url={self.endpoint_url!r}, region={self.region!r})"


def make_client(options: S3Options) -> Any:
    """A boto3 S3 client with settings that work on AWS and on Swift's s3api alike."""
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": options.addressing_style},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        retries={"max_attempts": max(1, options.max_attempts), "mode": "standard"},
        max_pool_connections=32,
    )
    session = boto3.session.Session()
    client = session.client(
        "s3", endpoint_url=options.endpoint_url or None, region_name=options.region,
        aws_access_key_id=options.access_key or None,
        aws_secret_access_key=options.secret_key or None, config=config)
    client.meta.events.register("before-sign.s3.DeleteObjects", _add_content_md5)
    return client


def _add_content_md5(request: Any, **_: Any) -> None:
    """Swift's s3api wants Content-MD5 on DeleteObjects; new botocore sends a CRC instead."""
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    if isinstance(body, bytes) and "Content-MD5" not in request.headers:
        request.headers["Content-MD5"] = base64.b64encode(
            hashlib.md5(body, usedforsecurity=False).digest()).decode()


def error_code(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return str(error.get("Code") or status)


def storage_error(exc: BaseException, operation: str, path: str) -> StorageError:
    """The StorageError for a boto3 exception (a managed transfer's wrapper is looked
    through); its message names no endpoint detail beyond the error code."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ClientError | BotoCoreError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ClientError):
        code = error_code(cause)
        if code == "NoSuchBucket":
            return StoreMisconfigured(f"{operation} {path}: the store answered NoSuchBucket "
                                      "(the bucket must be created first)")
        if code in _MISSING:
            return NotFound(path)
        status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        kind = StorageUnavailable if code in _BUSY or status >= 500 else StorageError
        return kind(f"{operation} {path}: the store answered {code}")
    name = type(cause or exc).__name__
    return StorageUnavailable(f"{operation} {path}: the store did not answer ({name})")


@contextmanager
def translated(operation: str, path: str) -> Iterator[None]:
    """Turn boto3's exceptions into StorageError values with a safe message."""
    try:
        yield
    except (ClientError, BotoCoreError, Boto3Error) as exc:
        raise storage_error(exc, operation, path) from None
