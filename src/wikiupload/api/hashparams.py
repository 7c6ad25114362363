"""SHA-1 lookup parameters (``sha1`` hex / ``sha1base36``) shared by file list modules."""

from __future__ import annotations

import re

from wikiupload.errors import ApiError
from wikiupload.filerepo.repo import sha1_base36


def sha1_from_params(hex_value: str | None, base36: str | None) -> str | None:
    """The base-36 SHA-1 to look for, from either spelling; None when neither is given."""
    if hex_value is not None:
        lowered = hex_value.lower()
        if not re.fullmatch(r"[0-9a-f]{40}", lowered):
            raise ApiError("apierror-invalidsha1hash")
        return sha1_base36(lowered)
    if base36 is not None:
        lowered = base36.lower()
        if not re.fullmatch(r"[0-9a-z]{31}", lowered):
            raise ApiError("apierror-invalidsha1base36hash")
        return lowered
    return None
