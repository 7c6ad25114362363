"""The state of one API request, handed to every module."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session as DbSession

from wikiupload.auth.sessions import SessionState
from wikiupload.auth.users import Principal
from wikiupload.i18n.messages import Message

if TYPE_CHECKING:
    from wikiupload.http.form import UploadedFile
    from wikiupload.wiki import Wiki


@dataclass
class HttpRequest:
    """What the HTTP layer hands to the API: parameters split by where they came from."""

    method: str
    query: dict[str, str]
    body: dict[str, str]
    files: dict[str, UploadedFile]
    headers: Mapping[str, str]
    cookies: Mapping[str, str]
    client_ip: str
    has_content_type: bool = True

    @property
    def params(self) -> dict[str, str]:
        """Query string and body merged; the body wins."""
        return {**self.query, **self.body}


@dataclass(frozen=True)
class Warning_:
    module: str
    message: Message
    code: str


@dataclass
class ApiContext:
    wiki: Wiki
    request: HttpRequest
    db: DbSession
    session: SessionState
    user: Principal
    params: dict[str, str]
    result: dict[str, Any] = field(default_factory=dict)
    warnings: list[Warning_] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    formatversion: int = 1
    errorformat: str = "bc"
    lang: str = "en"
    errorlang: str = "en"
    same_origin: bool = True
    response_headers: dict[str, str] = field(default_factory=dict)
    module_path: str = "main"
    query: Any = None
    raw_output: tuple[str, bytes] | None = None   # (content type, body) sent instead of the result

    @property
    def settings(self) -> Any:
        return self.wiki.settings

    @property
    def high_limits(self) -> bool:
        return self.user.can("apihighlimits")

    @property
    def max_values(self) -> int:
        return int(self.wiki.settings.api_max_values)

    @property
    def max_values_high(self) -> int:
        return int(self.wiki.settings.api_max_values_high)

    @property
    def fv2(self) -> bool:
        return self.formatversion >= 2

    def warn(self, module: str, message: Message, code: str | None = None) -> None:
        from wikiupload.errors import code_for_key

        warning = Warning_(module, message, code or code_for_key(message.key))
        if warning not in self.warnings:
            self.warnings.append(warning)

    def deprecate(self, module: str, message: Message) -> None:
        """A deprecation warning; the first one also points at the announce list."""
        if not any(w.code == "deprecation-help" for w in self.warnings):
            self.warn("main", Message("api-usage-mailinglist-ref-plain"), "deprecation-help")
        self.warn(module, message, "deprecation")

    def api_url(self) -> str:
        settings = self.wiki.settings
        return f"{settings.base_url}{settings.script_path}/api.php"

    def bool_value(self, value: bool) -> Any:
        """A boolean result field: "" / absent in formatversion 1, true/false in 2."""
        return value if self.fv2 else ("" if value else None)
