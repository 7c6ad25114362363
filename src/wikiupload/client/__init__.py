"""A small client for MediaWiki-compatible upload APIs (used by ``wikiupload upload``)."""

from wikiupload.client.session import ApiError, ApiSession, ClientError, LoginError
from wikiupload.client.state import DEFAULT_STATE_FILE, ResumeState
from wikiupload.client.upload import (
    DEFAULT_CHUNK_SIZE,
    Uploader,
    UploadJob,
    UploadResult,
    WarningPolicy,
)

__all__ = ["DEFAULT_CHUNK_SIZE", "DEFAULT_STATE_FILE", "ApiError", "ApiSession", "ClientError",
           "LoginError", "ResumeState", "UploadJob", "UploadResult", "Uploader",
           "WarningPolicy"]
