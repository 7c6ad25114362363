"""The test S3 store: a bucket per test session, emptied and removed at the end."""

from __future__ import annotations

import os
import secrets
from typing import Any

from wikiupload.filerepo.backends.s3 import S3Backend, S3Options, make_client


def s3_test_settings() -> dict[str, Any] | None:
    """Settings of the test S3 store (without bucket), or None when none is configured."""
    endpoint = os.environ.get("WIKIUPLOAD_TEST_S3_ENDPOINT", "")
    if not endpoint:
        return None
    return {"s3_endpoint_url": endpoint,
            "s3_access_key": os.environ.get("WIKIUPLOAD_TEST_S3_ACCESS_KEY", ""),
            "s3_secret_key": os.environ.get("WIKIUPLOAD_TEST_S3_SECRET_KEY", ""),
            "s3_region": os.environ.get("WIKIUPLOAD_TEST_S3_REGION", "us-east-1")}


def options(settings: dict[str, Any], **changes: Any) -> S3Options:
    values = {"endpoint_url": settings["s3_endpoint_url"], "region": settings["s3_region"],
              "access_key": settings["s3_access_key"], "secret_key": settings["s3_secret_key"],
              **changes}
    return S3Options(**values)


def create_bucket(settings: dict[str, Any]) -> str:
    name = f"wikiupload-test-{secrets.token_hex(6)}"
    make_client(options(settings)).create_bucket(Bucket=name)
    return name


def drop_bucket(settings: dict[str, Any], name: str) -> None:
    """Abort unfinished multipart uploads, delete every object, then the bucket."""
    client = make_client(options(settings))
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=name):
        for upload in page.get("Uploads", []):
            client.abort_multipart_upload(Bucket=name, Key=upload["Key"],
                                          UploadId=upload["UploadId"])
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
    client.delete_bucket(Bucket=name)


def backend(settings: dict[str, Any], bucket: str, prefix: str = "",
            **changes: Any) -> S3Backend:
    return S3Backend(bucket, prefix or secrets.token_hex(6), options=options(settings, **changes))
