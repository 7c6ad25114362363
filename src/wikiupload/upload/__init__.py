"""Upload rules that need no storage: name normalisation and file verification."""

from wikiupload.upload.verification import (
    PASSED,
    Verification,
    check_extension,
    check_size,
    check_title,
    verify_file,
    verify_partial_file,
    verify_upload,
)

__all__ = [
    "PASSED",
    "Verification",
    "check_extension",
    "check_size",
    "check_title",
    "verify_file",
    "verify_partial_file",
    "verify_upload",
]
