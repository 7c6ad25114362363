"""Special:UserLogin and Special:UserLogout, through action=clientlogin and action=logout.

Both forms carry a token (the login token, the CSRF token); a post without one is refused
before anything happens, and a wrong one is refused by the API (``badtoken``).
"""

from __future__ import annotations

from starlette.responses import Response

from wikiupload.titles import InvalidTitle, parse_title
from wikiupload.web.pages.apicall import ApiFailure
from wikiupload.web.pages.render import PageContext

__all__ = ["login_page", "logout_page", "safe_return_title"]

LOGIN = "Special:UserLogin"
LOGOUT = "Special:UserLogout"
DEFAULT_RETURN = "Special:Upload"
TOKEN_FIELD = "wpEditToken"
LOGIN_TOKEN_FIELD = "wpLoginToken"


def safe_return_title(ctx: PageContext, text: str | None) -> str:
    """A title of this wiki to go back to (never an outside address)."""
    if not text:
        return DEFAULT_RETURN
    try:
        title = parse_title(text, site_name=ctx.wiki.settings.sitename)
    except InvalidTitle:
        return DEFAULT_RETURN
    return title.prefixed(ctx.wiki.settings.sitename)


async def login_page(ctx: PageContext, subpage: str) -> Response:
    returnto = safe_return_title(ctx, ctx.form.get("returnto")
                                 or ctx.request.query_params.get("returnto"))
    if ctx.request.method != "POST":
        return await _login_form(ctx, returnto)
    if not ctx.form.get(LOGIN_TOKEN_FIELD):
        return await _login_form(ctx, returnto, ctx.msg("sessionfailure"), 400)
    try:
        result = await ctx.api.post(
            action="clientlogin", username=ctx.form.get("wpName", ""),
            password=ctx.form.get("wpPassword", ""), logintoken=ctx.form[LOGIN_TOKEN_FIELD],
            loginreturnurl=str(ctx.request.base_url), loginmessageformat="wikitext")
    except ApiFailure as failure:
        text = ctx.msg("sessionfailure") if failure.code == "badtoken" else failure.text
        return await _login_form(ctx, returnto, text, 400)
    outcome = result["clientlogin"]
    if outcome.get("status") != "PASS":
        return await _login_form(ctx, returnto, str(outcome.get("message", "")), 200)
    return ctx.redirect(ctx.url(returnto))


async def _login_form(ctx: PageContext, returnto: str, error: str | None = None,
                      status: int = 200) -> Response:
    tokens = await ctx.api.get(action="query", meta="tokens", type="login")
    return ctx.respond("login.html", status, returnto=returnto, error=error,
                       login_token=tokens["query"]["tokens"]["logintoken"],
                       name=ctx.form.get("wpName", ""))


async def logout_page(ctx: PageContext, subpage: str) -> Response:
    if ctx.request.method != "POST":
        done = ctx.visitor.anonymous and "loggedout" in ctx.request.query_params
        return ctx.respond("logout.html", done=done, error=None)
    token = ctx.form.get(TOKEN_FIELD)
    if not token:
        return ctx.respond("logout.html", 400, done=False, error=ctx.msg("sessionfailure"))
    try:
        await ctx.api.post(action="logout", token=token)
    except ApiFailure as failure:
        text = ctx.msg("sessionfailure") if failure.code == "badtoken" else failure.text
        return ctx.respond("logout.html", 400, done=False, error=text)
    return ctx.redirect(ctx.url(LOGOUT, loggedout="1"))
