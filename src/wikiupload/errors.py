"""API errors as data: a message key with parameters, the wire code and extra fields."""

from __future__ import annotations

import re
from typing import Any

from wikiupload.i18n.messages import Message

# Message keys whose wire code is not derived by stripping the prefix (ApiMessageTrait).
LEGACY_CODES = {
    "badaccess-group0": "permissiondenied",
    "badaccess-groups": "permissiondenied",
    "sessionfailure": "badtoken",
    "actionthrottledtext": "ratelimited",
    "readonlytext": "readonly",
    "blockedtext": "blocked",
    "autoblockedtext": "autoblocked",
    "protectedpagetext": "protectedpage",
    "titleprotected": "protectedtitle",
    "notanarticle": "missingtitle",
    "nosuchusershort": "nosuchuser",
    "noname": "invaliduser",
    "cannotdelete": "cantdelete",
    "cannotundelete": "cantundelete",
    "apierror-missingparam-at-least-one-of": "missingparam",
    "apierror-missingparam-one-of": "missingparam",
    "apierror-unrecognizedvalue": "badvalue",
    "apierror-badvalue-notmultivalue": "badvalue",
    "apierror-badmultivalue": "badvalue",
    "apierror-badformatversion": "badvalue",
}


def code_for_key(key: str) -> str:
    """The wire error code MediaWiki derives from a message key."""
    if key in LEGACY_CODES:
        return LEGACY_CODES[key]
    for prefix in ("apierror-", "apiwarn-"):
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    return re.sub(r"[^A-Za-z0-9_-]", "_", key)


class ApiError(Exception):
    """An error the API reports to the client (HTTP 200 unless ``status`` says otherwise)."""

    def __init__(self, key: str, *params: Any, code: str | None = None,
                 data: dict[str, Any] | None = None, status: int = 200,
                 message: Message | None = None) -> None:
        self.message = message or Message(key, tuple(params))
        self.code = code or code_for_key(self.message.key)
        self.data = data or {}
        self.status = status
        super().__init__(f"{self.code}: {self.message.key}")


def missing_param(name: str) -> ApiError:
    """apierror-missingparam: the code is ``no<name>`` except for the generic token case."""
    return ApiError("apierror-missingparam", name, code=f"no{name}")


def permission_denied(groups: list[Any]) -> ApiError:
    """badaccess-groups listing the groups that have the right (empty: badaccess-group0)."""
    if not groups:
        return ApiError("badaccess-group0")
    return ApiError("badaccess-groups", groups, len(groups))
