"""action=logout: end the session (a bot-password session or the cookie session)."""

from __future__ import annotations

from typing import Any

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.module import ApiModule


@registry.register
class LogoutModule(ApiModule):
    name = "logout"
    class_name = "ApiLogout"
    needs_token = "csrf"
    must_post = True
    read_rights = False
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Logout"
    description = "Log out and clear session data."
    examples = (("action=logout&token=123ABC", "Log the current user out."),)

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        """The result is the empty object; the session cookie is deleted."""
        ctx.session.clear()
