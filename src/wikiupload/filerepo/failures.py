"""Storage failures as API errors: MediaWiki's backend-fail-* messages, with the store's
details kept for the log (they never carry credentials) and out of the answer."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from wikiupload.errors import ApiError
from wikiupload.filerepo.backends.base import StorageError, StorageUnavailable

__all__ = ["as_api_error", "storage_errors"]

log = logging.getLogger(__name__)


def as_api_error(error: StorageError, code: str | None = None) -> ApiError:
    """``backend-fail-connect`` when the store did not answer (try again later), else
    ``backend-fail-internal``; ``code`` replaces the wire code (e.g. ``stashfailed``)."""
    key = "backend-fail-connect" if isinstance(error, StorageUnavailable) else (
        "backend-fail-internal")
    log.warning("file store failure: %s", error)
    return ApiError(key, code=code)


@contextmanager
def storage_errors(code: str | None = None) -> Iterator[None]:
    """Raise storage failures inside the block as API errors."""
    try:
        yield
    except StorageError as error:
        raise as_api_error(error, code) from error
