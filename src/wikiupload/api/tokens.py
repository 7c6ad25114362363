"""meta=tokens: tokens for data-modifying actions."""

from __future__ import annotations

from typing import Any

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.auth.tokens import TOKEN_TYPES, issue_token
from wikiupload.i18n.messages import Message


@registry.register
class TokensModule(QuerySubmodule):
    name = "tokens"
    group = "meta"
    class_name = "ApiQueryTokens"
    read_rights = False
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Tokens"
    description = "Gets tokens for data-modifying actions."
    examples = (
        ("action=query&meta=tokens", "Retrieve a csrf token (the default)."),
        ("action=query&meta=tokens&type=watch|patrol",
         "Retrieve a watch token and a patrol token."),
    )
    params = (
        Param("type", tuple(sorted(TOKEN_TYPES)), default="csrf", multi=True, allow_all=True,
              help="Types of token to request."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        if not ctx.same_origin:
            ctx.warn(self.path(), Message("apiwarn-tokens-origin"))
            return
        anonymous = ctx.user.is_anon
        self.state(ctx).out["tokens"] = {
            f"{kind}token": issue_token(ctx.session, anonymous, kind) for kind in params["type"]
        }
