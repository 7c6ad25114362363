"""api.php: main parameters, checks in MediaWiki's order, dispatch, and the response."""

from __future__ import annotations

import logging
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

from wikiupload.api import registry
from wikiupload.api.context import ApiContext, HttpRequest
from wikiupload.api.module import ApiModule
from wikiupload.api.output import (
    encode_json,
    error_result,
    for_formatversion,
    jsonfm_page,
    render_warnings,
)
from wikiupload.api.params import Param, split_multi, validate
from wikiupload.auth import cookies, origin, sessions
from wikiupload.auth.tokens import token_matches
from wikiupload.auth.users import Principal, anonymous, principal
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message, sanitize_code

log = logging.getLogger(__name__)

FORMATS = ("json", "jsonfm", "none", "php", "phpfm", "rawfm", "xml", "xmlfm")
ERROR_FORMATS = ("bc", "html", "none", "plaintext", "raw", "wikitext")


class MainModule(ApiModule):
    """The main module: the parameters every request may carry."""

    name = "main"
    group = "main"
    class_name = "ApiMain"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Main_page"

    @classmethod
    def path(cls) -> str:
        return "main"

    @classmethod
    def all_params(cls) -> tuple[Param, ...]:
        return cls.main_params()

    @classmethod
    def main_params(cls) -> tuple[Param, ...]:
        """Built once for the registered actions and formats (asked on every request)."""
        return _main_params(tuple(registry.modules_in_group("action")),
                            tuple(registry.modules_in_group("format")))

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        """The main module dispatches; it has no output of its own."""


@cache
def _main_params(actions: tuple[str, ...], formats: tuple[str, ...]) -> tuple[Param, ...]:
    return (
        Param("action", "string", default="help",
              submodules={name: name for name in actions}),
        Param("format", "string", default="jsonfm",
              submodules={name: name for name in formats}),
        Param("maxlag", "integer"),
        Param("smaxage", "integer", default=0),
        Param("maxage", "integer", default=0),
        Param("assert", ("anon", "bot", "user")),
        Param("assertuser", "user", user_types=("name",)),
        Param("requestid", "string"),
        Param("servedby", "boolean", default=False),
        Param("curtimestamp", "boolean", default=False),
        Param("responselanginfo", "boolean", default=False),
        Param("origin", "string"),
        Param("uselang", "string", default="user"),
        Param("variant", "string"),
        Param("errorformat", ERROR_FORMATS, default="bc"),
        Param("errorlang", "string", default="uselang"),
        Param("errorsuselocal", "boolean", default=False),
    )


@dataclass
class ApiResponse:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[tuple[str, str, int | None]] = field(default_factory=list)


@dataclass
class MainRunner:
    """Runs one request through the checks and the module, and renders the response."""

    ctx: ApiContext
    format: str = "json"
    format_params: dict[str, Any] = field(default_factory=dict)
    fail_with: ApiError | None = None
    CACHE_PRIVATE: ClassVar[str] = "private, must-revalidate, max-age=0"

    def run(self) -> ApiResponse:
        ctx = self.ctx
        try:
            self._prepare_output()
            if self.fail_with is not None:
                raise self.fail_with
            module, values = self._setup()
            module.execute(ctx, values)
            self._warn_unused()
            return self._respond(self._success_body())
        except ApiError as error:
            ctx.db.rollback()
            return self._respond(error_result(ctx, error), error=error)

    # -- the steps, in MediaWiki's order ----------------------------------------------

    def _prepare_output(self) -> None:
        ctx = self.ctx
        raw = ctx.params
        fmt = raw.get("format", "jsonfm")
        self.format = fmt if fmt in ("json", "jsonfm", "none") else "jsonfm"
        version = raw.get("formatversion", "1")
        ctx.formatversion = 2 if version in ("2", "latest") else 1
        ctx.errorformat = raw.get("errorformat", "bc")
        if ctx.errorformat not in ERROR_FORMATS:
            ctx.errorformat = "bc"
        ctx.lang = self._language(raw.get("uselang", "user"))
        errorlang = raw.get("errorlang", "uselang")
        if ctx.errorformat == "bc":   # ApiErrorFormatter_BackCompat: always English
            ctx.errorlang = "en"
        else:
            ctx.errorlang = ctx.lang if errorlang == "uselang" else self._language(errorlang)
        ctx.same_origin = not origin.lacks_same_origin(raw, ctx.request.headers)
        if "requestid" in raw:
            ctx.result["requestid"] = raw["requestid"]
        if ctx.settings.show_hostnames or "servedby" in raw:
            ctx.result["servedby"] = socket.gethostname()

    def _language(self, code: str) -> str:
        """ApiMain's uselang/errorlang: ``user`` (the user's language; there are no per-user
        preferences, so the content language), ``content``, or a code, sanitised as
        RequestContext::sanitizeLangCode does. Any valid code is kept (and reported by
        responselanginfo); texts missing in it come from its fallback chain, then English.
        ``errorsuselocal`` needs no handling: there are no on-wiki message overrides."""
        content = str(self.ctx.settings.language_code)
        if code in ("user", "content"):
            return content
        return sanitize_code(code, content)

    def _setup(self) -> tuple[ApiModule, dict[str, Any]]:
        ctx = self.ctx
        main_values = self._validate(MainModule, MainModule.main_params())
        if ctx.request.method == "POST" and not ctx.request.has_content_type:
            ctx.warn("main", Message("apiwarn-postbody-no-content-type"))
        self._check_format_params(main_values["format"])
        if main_values["curtimestamp"]:
            ctx.result["curtimestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if main_values["responselanginfo"]:
            ctx.result["uselang"] = ctx.lang
            ctx.result["errorlang"] = ctx.errorlang
        self._check_assert(main_values["assert"], main_values["assertuser"])
        cls = registry.get(main_values["action"])
        if cls is None:
            raise ApiError("apierror-unrecognizedvalue", "action", main_values["action"],
                           code="badvalue")
        ctx.module_path = cls.path()
        values = self._validate(cls, cls.all_params())
        self._check_token(cls, values.get("token"))
        self._check_rights(cls)
        self._check_maxlag(main_values["maxlag"])
        if cls.must_post and ctx.request.method != "POST":
            raise ApiError("apierror-mustbeposted", cls.name)
        return cls(), values

    def _validate(self, cls: type[ApiModule], specs: tuple[Param, ...]) -> dict[str, Any]:
        ctx = self.ctx
        for name in ctx.params:
            if name.endswith("[]") or "[" in name:
                ctx.warn("main", Message("apiwarn-unsupportedarray", (name.split("[")[0],)))
        values, used = validate(cls.path(), cls.prefix, specs, ctx.params, ctx,
                                ctx.request.files)
        ctx.used |= used
        return values

    def _check_format_params(self, fmt: str) -> None:
        fmt_cls = registry.get(fmt)
        if fmt_cls is not None:
            self.format_params = self._validate(fmt_cls, fmt_cls.all_params())

    def _check_assert(self, assertion: str | None, assert_user: str | None) -> None:
        user = self.ctx.user
        if assertion == "user" and user.is_anon:
            raise ApiError("apierror-assertuserfailed")
        if assertion == "bot" and not user.can("bot"):
            raise ApiError("apierror-assertbotfailed")
        if assertion == "anon" and not user.is_anon:
            raise ApiError("apierror-assertanonfailed")
        if assert_user is not None:
            wanted = assert_user.replace("_", " ")
            wanted = wanted[:1].upper() + wanted[1:]
            if user.is_anon or user.name != wanted:
                raise ApiError("apierror-assertnameduserfailed", wanted)

    def _check_token(self, cls: type[ApiModule], token: str | None) -> None:
        ctx = self.ctx
        posted = list(cls.posted_params)
        if cls.needs_token is not None:
            posted.insert(0, "token")
        in_query = [name for name in posted if name in ctx.request.query]
        if in_query:
            raise ApiError("apierror-mustpostparams", ", ".join(in_query), len(in_query))
        if cls.needs_token is None:
            return
        if token is None:
            raise ApiError("apierror-missingparam", "token", code="missingparam")
        if not token_is_valid(ctx, cls.needs_token, token):
            raise ApiError("apierror-badtoken")

    def _check_rights(self, cls: type[ApiModule]) -> None:
        user = self.ctx.user
        if cls.read_rights and not user.can("read"):
            raise ApiError("apierror-readapidenied")
        if cls.write_mode and not user.can("writeapi"):
            raise ApiError("apierror-writeapidenied")

    def _check_maxlag(self, maxlag: int | None) -> None:
        """A single database has no replication lag, so maxlag never trips here."""

    def _warn_unused(self) -> None:
        ctx = self.ctx
        format_names = {"formatversion", "utf8", "ascii", "callback"}
        unused = [name for name in ctx.params
                  if name not in ctx.used and name not in format_names and "[" not in name]
        if unused:
            ctx.warn("main", Message("apiwarn-unrecognizedparams", (", ".join(unused),
                                                                    len(unused))))

    # -- output -----------------------------------------------------------------------

    def _success_body(self) -> dict[str, Any]:
        ctx = self.ctx
        out: dict[str, Any] = {}
        for key in ("requestid", "servedby", "curtimestamp", "uselang", "errorlang"):
            if key in ctx.result:
                out[key] = ctx.result.pop(key)
        if ctx.warnings and any(w.module == "main" for w in ctx.warnings):
            out["warnings"] = render_warnings(ctx)
        elif ctx.warnings:
            # A submodule's warnings follow batchcomplete and continue, as MediaWiki's do.
            for key in ("batchcomplete", "continue"):
                if key in ctx.result:
                    out[key] = ctx.result.pop(key)
            out["warnings"] = render_warnings(ctx)
        out.update(ctx.result)
        return out

    def _respond(self, body: dict[str, Any], error: ApiError | None = None) -> ApiResponse:
        ctx = self.ctx
        payload = for_formatversion(body, ctx.fv2)
        headers = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
        status = 200
        if error is not None:
            headers["MediaWiki-API-Error"] = error.code
            headers["Cache-Control"] = self.CACHE_PRIVATE
            status = error.status
        elif ctx.request.method == "POST" or ctx.module_path != "help":
            headers["Cache-Control"] = self.CACHE_PRIVATE
        headers.update(ctx.response_headers)
        if error is None and ctx.raw_output is not None:
            return ApiResponse(status, ctx.raw_output[1], ctx.raw_output[0], headers)
        if self.format == "none":
            return ApiResponse(status, b"", "text/plain; charset=utf-8", headers)
        encoded = encode_json(payload, ctx, bool(self.format_params.get("utf8")),
                              bool(self.format_params.get("ascii")))
        callback = self.format_params.get("callback")
        if callback:
            return ApiResponse(status, b"/**/" + callback.encode() + b"(" + encoded + b")",
                               "text/javascript; charset=utf-8", headers)
        if self.format == "jsonfm":
            return ApiResponse(status, jsonfm_page(encoded, ctx.api_url()),
                               "text/html; charset=utf-8", headers)
        return ApiResponse(status, encoded, "application/json; charset=utf-8", headers)


def token_is_valid(ctx: ApiContext, kind: str, token: str) -> bool:
    """Anonymous callers have the constant CSRF token; others an HMAC of a session secret."""
    return token_matches(ctx.session, ctx.user.is_anon, kind, token)


def identify(ctx_db: Any, wiki: Any, state: sessions.SessionState, ip: str) -> Principal:
    """The caller behind a session: its user (bot-password grants applied) or anonymous."""
    if state.user_id:
        found = principal(ctx_db, wiki.settings, state.user_id, state.bot_app_id)
        if found is not None:
            return found
        state.clear()
    return anonymous(ip, wiki.settings)


def new_request_id() -> str:
    return secrets.token_urlsafe(16)


def handle(wiki: Any, request: HttpRequest, *, invalid_method: bool = False,
           body_error: str | None = None) -> ApiResponse:
    """Run one API request in its own database transaction (called in a worker thread).

    Requests without same-origin protection (JSONP, ``origin=*``) run anonymously with a
    throwaway session; ``origin=`` must match the Origin header (else HTTP 403).
    """
    params = _normalise(request.params)
    policy = origin.evaluate(params, request.headers)
    if policy.rejected:
        return ApiResponse(403, origin.MISMATCH_TEXT.encode(), "text/html; charset=UTF-8",
                           dict(policy.headers))
    jar = cookies.SessionCookies(wiki.settings.cookie_prefix)
    started = time.monotonic()
    with wiki.db() as db:
        state = sessions.SessionState() if policy.lacks_same_origin else jar.load(
            db, request.cookies)
        before_id, before_name = state.id, jar.name_for(state)
        user = identify(db, wiki, state, request.client_ip)
        ctx = ApiContext(wiki=wiki, request=request, db=db, session=state, user=user,
                         params=params, response_headers=dict(policy.headers))
        runner = MainRunner(ctx)
        if invalid_method:
            runner.fail_with = ApiError("apierror-invalidmethod", code="invalidmethod", status=405)
        elif body_error == "too-large":   # the body is larger than any upload may be
            runner.fail_with = ApiError("file-too-large")
        elif body_error is not None:
            runner.fail_with = ApiError("apierror-multipart", body_error, code="badupload")
        try:
            response = runner.run()
        except Exception as exc:  # an unexpected failure: MediaWiki's internal_api_error_*
            log.exception("internal error in api.php")
            db.rollback()
            request_id = new_request_id()
            error = ApiError("apierror-internal", request_id, type(exc).__name__,
                             code=f"internal_api_error_{type(exc).__name__}",
                             data={"errorclass": type(exc).__name__})
            response = runner._respond(error_result(ctx, error), error=error)
        sessions.save(db, state, wiki.settings.session_expiry)
        if db.in_transaction():     # not when the module committed its work already
            db.commit()
    response.cookies.extend(jar.changes(before_id, before_name, state))
    log.debug("api %s in %.1f ms", ctx.module_path, (time.monotonic() - started) * 1000)
    return response


def _normalise(params: dict[str, str]) -> dict[str, str]:
    """Values are NFC-normalised, as MediaWiki's WebRequest does."""
    import unicodedata

    return {key: unicodedata.normalize("NFC", value) for key, value in params.items()}


__all__ = ["ApiResponse", "MainModule", "handle", "split_multi", "token_is_valid"]
