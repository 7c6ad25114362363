"""action=clientlogin: interactive main-account login (PASS or FAIL; no UI steps here).

The credentials are "dynamic" fields named without the module prefix: ``username``,
``password`` and ``rememberMe``. Bot passwords are not accepted here.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.module import ApiModule
from wikiupload.api.output import message_text, plain
from wikiupload.api.params import Param
from wikiupload.auth.login import LoginOutcome, password_login
from wikiupload.errors import ApiError, code_for_key
from wikiupload.i18n.messages import Message

MESSAGE_FORMATS = ("html", "none", "raw", "wikitext")
CREDENTIAL_FIELDS = ("username", "password", "rememberMe")
# $wgUrlProtocols schemes a return URL may use (those with "//" after the colon).
_URL_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "sftp", "ssh", "git", "svn",
                          "irc", "ircs", "gopher", "telnet", "nntp", "worldwind", "mms",
                          "redis"})


@registry.register
class ClientLoginModule(ApiModule):
    name = "clientlogin"
    prefix = "login"
    class_name = "ApiClientLogin"
    needs_token = "login"
    must_post = True
    write_mode = True
    read_rights = False
    posted_params = ("logintoken", "password")
    dynamic_parameters = True
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Login"
    description = "Log in to the wiki using the interactive flow."
    examples = ((
        "action=clientlogin&username=Example&password=ExamplePassword"
        "&loginreturnurl=http://example.org/&logintoken=123ABC",
        "Start the process of logging in to the wiki as user Example with password "
        "ExamplePassword."),)
    params = (
        Param("requests", "string", multi=True),
        Param("messageformat", MESSAGE_FORMATS, default="wikitext"),
        Param("mergerequestfields", "boolean", default=False),
        Param("preservestate", "boolean", default=False),
        Param("returnurl", "string"),
        Param("continue", "boolean", default=False),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        if not params["continue"] and params["returnurl"] is None:
            raise ApiError("apierror-missingparam-at-least-one-of",
                           '"logincontinue" and "loginreturnurl"', 2, code="missingparam")
        if params["returnurl"] is not None and not valid_return_url(params["returnurl"]):
            raise ApiError("apierror-badurl", "loginreturnurl", params["returnurl"],
                           code="badurl_loginreturnurl")
        if ctx.session.bot_app_id is not None:
            outcome = LoginOutcome(message=Message("userlogin-cannot-login"))
        elif params["continue"]:
            outcome = LoginOutcome(message=Message("authmanager-authn-not-in-progress"))
        else:
            outcome = self._authenticate(ctx)
        ctx.result["clientlogin"] = self._response(ctx, outcome, params["messageformat"])

    def _authenticate(self, ctx: ApiContext) -> LoginOutcome:
        ctx.used |= {name for name in CREDENTIAL_FIELDS if name in ctx.params}
        outcome = password_login(ctx.db, ctx.settings, ctx.params.get("username", ""),
                                 ctx.params.get("password", ""), ctx.request.client_ip)
        if outcome.user is not None:
            ctx.session.reset(outcome.user.id)
        return outcome

    def _response(self, ctx: ApiContext, outcome: LoginOutcome, fmt: str) -> dict[str, Any]:
        if outcome.user is not None:
            return {"status": "PASS", "username": outcome.user.name}
        message = outcome.message or Message("authmanager-authn-no-primary")
        out: dict[str, Any] = {"status": "FAIL"}
        formatted = format_message(ctx, message, fmt)
        if formatted is not None:
            out["message"] = formatted
        out["messagecode"] = code_for_key(message.key)
        out["canpreservestate"] = False
        return out


def format_message(ctx: ApiContext, message: Message, fmt: str) -> Any:
    """``loginmessageformat``: wikitext (default), html, raw key and parameters, or none."""
    if fmt == "none":
        return None
    if fmt == "raw":
        return message.as_raw()
    text = message_text(ctx, message, ctx.lang)
    return html.escape(plain(text), quote=False) if fmt == "html" else text


def valid_return_url(url: str) -> bool:
    """An absolute URL with a known protocol (a protocol-relative one is refused)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme in _URL_SCHEMES:
        return bool(parts.netloc)
    return scheme in ("mailto", "news", "tel", "urn", "xmpp", "sip", "sips", "sms", "geo",
                      "bitcoin", "magnet", "matrix") and bool(parts.path)
