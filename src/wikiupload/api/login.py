"""action=login: bot-password logins (and deprecated main-account logins) for API clients."""

from __future__ import annotations

import html
import re
from typing import Any

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.module import ApiModule
from wikiupload.api.output import message_text, plain
from wikiupload.api.params import Param
from wikiupload.auth.login import (
    LoginOutcome,
    bot_password_login,
    canonical_bot_login,
    password_login,
)
from wikiupload.auth.tokens import issue_token, token_matches
from wikiupload.errors import code_for_key
from wikiupload.i18n.messages import Message

# How MediaWiki describes the bot-password session provider ("Cannot log in when using $1.").
BOT_PASSWORD_PROVIDER = "MediaWiki\\Session\\BotPasswordSessionProvider sessions"
_SPACES = re.compile(r"[\r\n\t ]+")


def format_reason(ctx: ApiContext, message: Message, code: str | None = None) -> Any:
    """A failure reason: plain English text in errorformat=bc, else an error-formatter object."""
    if ctx.errorformat == "bc":
        return _flatten(message_text(ctx, message, "en"))
    entry: dict[str, Any] = {"code": code or code_for_key(message.key)}
    text = message_text(ctx, message, ctx.errorlang)
    if ctx.errorformat == "plaintext":
        entry["text" if ctx.fv2 else "*"] = _flatten(text)
    elif ctx.errorformat == "wikitext":
        entry["text" if ctx.fv2 else "*"] = text
    elif ctx.errorformat == "html":
        entry["html" if ctx.fv2 else "*"] = html.escape(plain(text), quote=False)
    elif ctx.errorformat == "raw":
        entry.update(message.as_raw())
    return entry


def _flatten(text: str) -> str:
    """Markup stripped and whitespace runs (newlines too) collapsed to one space."""
    return _SPACES.sub(" ", plain(text)).strip()


@registry.register
class LoginModule(ApiModule):
    name = "login"
    prefix = "lg"
    class_name = "ApiLogin"
    must_post = True
    write_mode = True
    read_rights = False
    posted_params = ("lgpassword", "lgtoken")
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Login"
    description = "Log in and get authentication cookies."
    examples = (("action=login&lgname=user&lgpassword=password&lgtoken=123ABC", "Log in."),)
    params = (
        Param("name", "string", help="Username."),
        Param("password", "password", sensitive=True, help="Password."),
        Param("domain", "string", help="Domain (optional)."),
        Param("token", "string", sensitive=True, help="Login token obtained in first request."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        ctx.result["login"] = self._attempt(ctx, params)

    def _attempt(self, ctx: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
        if not ctx.same_origin:
            return _result("Aborted", reason=format_reason(
                ctx, Message("api-login-fail-sameorigin")))
        state = ctx.session
        state.persist()
        if state.bot_app_id is not None:
            return _result("Aborted", reason=format_reason(
                ctx, Message("api-login-fail-badsessionprovider", (BOT_PASSWORD_PROVIDER,))))
        had_secret = state.has_secret("login")
        token = issue_token(state, ctx.user.is_anon, "login")
        given = params["token"]
        if not given:
            ctx.deprecate(self.path(), Message("apiwarn-deprecation-login-token"))
            return _result("NeedToken", token=token)
        if not had_secret:
            return _result("Failed", reason=format_reason(
                ctx, Message("authpage-cannot-login-continue"), "sessionlost"))
        if not token_matches(state, ctx.user.is_anon, "login", given):
            return _result("WrongToken")
        return self._authenticate(ctx, params["name"] or "", params["password"] or "")

    def _authenticate(self, ctx: ApiContext, name: str, password: str) -> dict[str, Any]:
        settings = ctx.settings
        ip = ctx.request.client_ip
        if settings.enable_bot_passwords:
            bot_login = canonical_bot_login(name, password)
            if bot_login is not None:
                outcome = bot_password_login(ctx.db, settings, *bot_login, ip)
                if outcome.final:
                    return self._finish(ctx, outcome)
        outcome = password_login(ctx.db, settings, name, password, ip)
        if outcome.ok:
            key = ("apiwarn-deprecation-login-botpw" if settings.enable_bot_passwords
                   else "apiwarn-deprecation-login-nobotpw")
            ctx.deprecate(self.path(), Message(key))
        return self._finish(ctx, outcome)

    def _finish(self, ctx: ApiContext, outcome: LoginOutcome) -> dict[str, Any]:
        if outcome.user is None:
            message = outcome.message or Message("authmanager-authn-no-primary")
            return _result("Failed", reason=format_reason(ctx, message))
        if outcome.app_id is not None:
            ctx.session.reset(outcome.user.id, keep_previous=True, bot_app_id=outcome.app_id)
        else:
            ctx.session.reset(outcome.user.id)
        return _result("Success", lguserid=outcome.user.id, lgusername=outcome.user.name)


def _result(result: str, **fields: Any) -> dict[str, Any]:
    return {"result": result, **fields}
