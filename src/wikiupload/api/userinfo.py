"""meta=userinfo: who the caller is, with groups, rights, limits and preferences."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, select

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.output import Fv1Bool
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.auth import ratelimits
from wikiupload.auth.users import Principal, all_groups, group_memberships
from wikiupload.db.models import Revision, User
from wikiupload.timestamps import iso

PROPS = (
    "acceptlang", "blockinfo", "centralids", "changeablegroups", "editcount", "email",
    "groupmemberships", "groups", "hasmsg", "implicitgroups", "latestcontrib", "options",
    "ratelimits", "realname", "registrationdate", "rights", "theoreticalratelimits",
    "unreadcount",
)
CENTRAL_ID_PROVIDER = "local"
_ACCEPT_LANG = re.compile(
    r"([a-z]{1,8}(?:-[a-z]{1,8})*|\*)\s*(?:;\s*q\s*=\s*(1(?:\.0{0,3})?|0(?:\.\d{0,3})?)?)?")


def default_options(language: str) -> dict[str, Any]:
    """The default user preferences of MediaWiki 1.39 (nobody here changes them)."""
    options: dict[str, Any] = {
        "ccmeonemails": 0, "date": "default", "diffonly": 0, "disablemail": 0,
        "editfont": "monospace", "editondblclick": 0, "editsectiononrightclick": 0,
        "email-allow-new-users": 1, "enotifminoredits": 0, "enotifrevealaddr": 0,
        "enotifusertalkpages": 1, "enotifwatchlistpages": 1, "extendwatchlist": 1,
        "fancysig": 0, "forceeditsummary": 0, "gender": "unknown", "hideminor": 0,
        "hidepatrolled": 0, "hidecategorization": 1, "imagesize": 2, "minordefault": 0,
        "newpageshidepatrolled": 0, "nickname": "", "pst-cssjs": 1, "norollbackdiff": 0,
        "previewonfirst": 0, "previewontop": 1, "rcdays": 7, "rcenhancedfilters-disable": 0,
        "rclimit": 50, "search-match-redirect": Fv1Bool(True),
        "search-special-page": "Search", "searchlimit": 20, "showhiddencats": 0,
        "shownumberswatching": 1, "showrollbackconfirmation": 0, "skin": "vector",
        "thumbsize": 5, "underline": 2, "uselivepreview": 0, "usenewrc": 1,
        "watchcreations": 1, "watchdefault": 1, "watchdeletion": 0, "watchuploads": 1,
        "watchlistdays": 7, "watchlisthideanons": 0, "watchlisthidebots": 0,
        "watchlisthideliu": 0, "watchlisthideminor": 0, "watchlisthideown": 0,
        "watchlisthidepatrolled": 0, "watchlisthidecategorization": 1,
        "watchlistreloadautomatically": 0, "watchlistunwatchlinks": 0, "watchmoves": 0,
        "watchrollback": 0, "wlenhancedfilters-disable": 0, "wllimit": 250,
        "useeditwarning": 1, "prefershttps": 1, "requireemail": 0, "skin-responsive": 1,
        "timecorrection": "System|0", "language": language, "variant": language,
    }
    for code in ("ban", "en", "crh", "gan", "iu", "kk", "ku", "shi", "sr", "tg", "uz", "zh"):
        options[f"variant-{code}"] = code
    options.update({f"searchNs{ns}": 1 if ns == 0 else 0 for ns in range(16)})
    return options


def accept_languages(header: str) -> list[tuple[str, float | int]]:
    """The Accept-Language header as (code, q) pairs, best first; q=0 entries dropped."""
    found: dict[str, float] = {}
    for code, quality in _ACCEPT_LANG.findall(header.lower()):
        value = float(quality) if quality else 1.0
        if value:
            found[code] = value
    ranked = sorted(found.items(), key=lambda item: -item[1])
    return [(code, int(q) if q.is_integer() else q) for code, q in ranked]


class _Info:
    """Builds the userinfo object for one caller, one property at a time."""

    def __init__(self, ctx: ApiContext, params: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.user: Principal = ctx.user
        self.row = None if self.user.is_anon else ctx.db.get(User, self.user.id)
        self.attached_wiki: str | None = params["attachedwiki"]

    def hasmsg(self) -> dict[str, Any]:
        return {"messages": False}

    def groups(self) -> dict[str, Any]:
        return {"groups": list(self.user.all_groups)}

    def groupmemberships(self) -> dict[str, Any]:
        members = [] if self.user.is_anon else group_memberships(self.ctx.db, self.user.id)
        return {"groupmemberships": [
            {"group": group, "expiry": iso(expiry) if expiry else "infinity"}
            for group, expiry in members]}

    def implicitgroups(self) -> dict[str, Any]:
        return {"implicitgroups": list(self.user.implicit_groups)}

    def rights(self) -> dict[str, Any]:
        return {"rights": list(self.user.rights)}

    def changeablegroups(self) -> dict[str, Any]:
        groups = all_groups(self.ctx.settings) if self.user.can("userrights") else []
        return {"changeablegroups": {"add": list(groups), "remove": list(groups),
                                     "add-self": [], "remove-self": []}}

    def options(self) -> dict[str, Any]:
        return {"options": default_options(str(self.ctx.settings.language_code))}

    def editcount(self) -> dict[str, Any]:
        return {"editcount": self.row.edit_count if self.row else 0}

    def ratelimits(self) -> dict[str, Any]:
        return {"ratelimits": ratelimits.limits_for(self.user, self.ctx.settings)}

    def theoreticalratelimits(self) -> dict[str, Any]:
        return {"theoreticalratelimits": ratelimits.limits_for(
            self.user, self.ctx.settings, exempt_applies=False)}

    def realname(self) -> dict[str, Any]:
        return {"realname": self.row.real_name if self.row else ""}

    def email(self) -> dict[str, Any]:
        if not self.user.can("viewmyprivateinfo"):
            return {}
        return {"email": self.row.email if self.row else ""}

    def registrationdate(self) -> dict[str, Any]:
        stamp = self.user.registration
        return {"registrationdate": iso(stamp)} if stamp is not None else {}

    def acceptlang(self) -> dict[str, Any]:
        header = self.ctx.request.headers.get("accept-language", "")
        code_key = "code" if self.ctx.fv2 else "*"
        return {"acceptlang": [{"q": q, code_key: code}
                               for code, q in accept_languages(header)]}

    def unreadcount(self) -> dict[str, Any]:
        return {"unreadcount": 0}

    def centralids(self) -> dict[str, Any]:
        registered = not self.user.is_anon
        out: dict[str, Any] = {"centralids": {CENTRAL_ID_PROVIDER: self.user.id},
                               "attachedlocal": {CENTRAL_ID_PROVIDER: registered}}
        if self.attached_wiki:
            here = self.attached_wiki == self.ctx.settings.wiki_id
            out["attachedwiki"] = {CENTRAL_ID_PROVIDER: registered and here}
        return out

    def latestcontrib(self) -> dict[str, Any]:
        query = select(func.max(Revision.timestamp)).where(Revision.user_id == self.user.id)
        if self.user.is_anon:
            query = query.where(Revision.user_text == self.user.name)
        latest = self.ctx.db.scalar(query)
        return {"latestcontrib": iso(latest)} if latest is not None else {}

    def blockinfo(self) -> dict[str, Any]:
        """Nobody is blocked: there are no blocks on this server."""
        return {}


# Output order of the properties (MediaWiki builds the object in this order).
_ORDER: tuple[str, ...] = (
    "blockinfo", "hasmsg", "groups", "groupmemberships", "implicitgroups", "rights",
    "changeablegroups", "options", "editcount", "ratelimits", "theoreticalratelimits",
    "realname", "email", "registrationdate", "acceptlang", "unreadcount", "centralids",
    "latestcontrib",
)


@registry.register
class UserInfoModule(QuerySubmodule):
    name = "userinfo"
    group = "meta"
    prefix = "ui"
    class_name = "ApiQueryUserInfo"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Userinfo"
    description = "Get information about the current user."
    examples = (
        ("action=query&meta=userinfo", "Get information about the current user."),
        ("action=query&meta=userinfo&uiprop=blockinfo|groups|rights|hasmsg",
         "Get additional information about the current user."),
    )
    params = (
        Param("prop", PROPS, multi=True, allow_all=True,
              help="Which pieces of information to include."),
        Param("attachedwiki", "string",
              help="With uiprop=centralids, indicate whether the user is attached with the "
                   "wiki identified by this ID."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        user = ctx.user
        info: dict[str, Any] = {"id": user.id, "name": user.name}
        if user.is_anon:
            info["anon"] = True
        builder = _Info(ctx, params)
        wanted = set(params["prop"])
        for prop in _ORDER:
            if prop in wanted:
                part: Callable[[], dict[str, Any]] = getattr(builder, prop)
                info.update(part())
        self.state(ctx).out["userinfo"] = info
