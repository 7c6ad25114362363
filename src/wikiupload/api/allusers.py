"""list=allusers: registered users by name, filtered by group, right, edits or activity.

Follows includes/api/ApiQueryAllUsers.php (MediaWiki 1.39): names are compared byte-wise,
``aufrom``/``auto``/``auprefix`` get an upper-case first letter and spaces for underscores,
``aurights`` adds the groups that grant one of the rights to ``augroup`` (only explicit
memberships count, as in MediaWiki, so rights of the implicit groups match nobody), and the
listing continues with ``aufrom``. ``auactiveusers`` counts the log entries of the last
30 days ($wgActiveUserDays) as the recent actions: this server has no recentchanges table,
and uploads (its only actions) are logged.

Deviation: the group names of ``augroup``/``auexcludegroup`` depend on the configuration,
which module declarations cannot see, so they are declared as strings and checked here
(unknown names are dropped with MediaWiki's warning); paraminfo reports them as ``string``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.api.userinfo import CENTRAL_ID_PROVIDER
from wikiupload.auth.users import (
    IMPLICIT_USER_GROUPS,
    all_groups,
    groups_with_right,
    rights_for_groups,
)
from wikiupload.db.file_models import LogEntry
from wikiupload.db.models import User, UserGroup
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message, Num
from wikiupload.timestamps import iso

PATH = "query+allusers"
ACTIVE_USER_DAYS = 30  # $wgActiveUserDays
PROPS = ("blockinfo", "groups", "implicitgroups", "rights", "editcount", "registration",
         "centralids")

# PermissionManager::$coreRights of MediaWiki 1.39 (no extensions add rights here).
ALL_RIGHTS = (
    "apihighlimits", "applychangetags", "autoconfirmed", "autocreateaccount", "autopatrol",
    "bigdelete", "block", "blockemail", "bot", "browsearchive", "changetags",
    "createaccount", "createpage", "createtalk", "delete", "delete-redirect",
    "deletechangetags", "deletedhistory", "deletedtext", "deletelogentry", "deleterevision",
    "edit", "editcontentmodel", "editinterface", "editmyoptions", "editmyprivateinfo",
    "editmyusercss", "editmyuserjs", "editmyuserjson", "editmyuserjsredirect",
    "editmywatchlist", "editprotected", "editsemiprotected", "editsitecss", "editsitejs",
    "editsitejson", "editusercss", "edituserjs", "edituserjson", "hideuser", "import",
    "importupload", "ipblock-exempt", "managechangetags", "markbotedits", "mergehistory",
    "minoredit", "move", "move-categorypages", "move-rootuserpages", "move-subpages",
    "movefile", "nominornewtalk", "noratelimit", "override-export-depth", "pagelang",
    "patrol", "patrolmarks", "protect", "purge", "read", "reupload", "reupload-own",
    "reupload-shared", "rollback", "sendemail", "siteadmin", "suppressionlog",
    "suppressredirect", "suppressrevision", "unblockself", "undelete", "unwatchedpages",
    "upload", "upload_by_url", "userrights", "userrights-interwiki", "viewmyprivateinfo",
    "viewmywatchlist", "viewsuppressed", "writeapi",
)


@registry.register
class AllUsersModule(QuerySubmodule):
    name = "allusers"
    group = "list"
    prefix = "au"
    class_name = "ApiQueryAllUsers"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Allusers"
    description = "Enumerate all registered users."
    examples = (
        ("action=query&list=allusers&aufrom=Y", "List users, starting at Y."),
    )
    params = (
        Param("from", "string", help="The user name to start enumerating from."),
        Param("to", "string", help="The user name to stop enumerating at."),
        Param("prefix", "string", help="Search for all users that begin with this value."),
        Param("dir", ("ascending", "descending"), default="ascending",
              help="Direction to sort in."),
        Param("group", "string", multi=True, help="Only include users in the given groups."),
        Param("excludegroup", "string", multi=True,
              help="Exclude users in the given groups."),
        Param("rights", ALL_RIGHTS, multi=True,
              help="Only include users with the given rights. Does not include rights "
                   "granted by implicit or auto-promoted groups like *, user, or "
                   "autoconfirmed."),
        Param("prop", PROPS, multi=True, help="Which pieces of information to include."),
        Param("limit", "limit", default=10, min=1, max=500, highmax=5000,
              help="How many total user names to return."),
        Param("witheditsonly", "boolean", default=False,
              help="Only list users who have made edits."),
        Param("activeusers", "boolean", default=False,
              help=f"Only list users active in the last {ACTIVE_USER_DAYS} days."),
        Param("attachedwiki", "string",
              help="With auprop=centralids, also indicate whether the user is attached "
                   "with the wiki identified by this ID."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        state = self.state(ctx)
        if ctx.params.get("aulimit", "").strip() == "max":
            state.limits["allusers"] = int(params["limit"])
        groups = _known_groups(ctx, "augroup", params["group"])
        excluded = _known_groups(ctx, "auexcludegroup", params["excludegroup"])
        if params["rights"]:
            granting = list(dict.fromkeys(
                group for right in params["rights"]
                for group in groups_with_right(ctx.settings, right)))
            if not granting:
                state.out["allusers"] = []
                return
            groups = list(dict.fromkeys([*groups, *granting]))
        if groups and excluded:
            raise ApiError("apierror-invalidparammix", '"augroup" and "auexcludegroup"', 2,
                           code="invalidparammix")
        limit = int(params["limit"])
        recent = _recent_actions() if params["activeusers"] else None
        query = _query(ctx, params, groups, excluded, recent)
        rows = [(row[0], row[1]) for row in ctx.db.execute(query.limit(limit + 1))]
        if len(rows) > limit:
            state.set_continue("allusers", "aufrom", rows[limit][0].name)
            rows = rows[:limit]
        describe = _Describer(ctx, params, [user.id for user, _ in rows])
        state.out["allusers"] = [describe(user, actions) for user, actions in rows]


def _known_groups(ctx: ApiContext, name: str, values: list[str]) -> list[str]:
    """The configured groups among ``values``; the others are dropped with a warning."""
    known = set(all_groups(ctx.settings))
    bad = [value for value in values if value not in known]
    if bad:
        ctx.warn(PATH, Message("apiwarn-unrecognizedvalues",
                               (name, ", ".join(bad), Num(len(bad)))),
                 code="unrecognizedvalues")
    return [value for value in values if value in known]


def canonical_name(name: str) -> str:
    """ApiQueryAllUsers::getCanonicalUserName: first letter upper case, spaces for "_"."""
    return (name[:1].upper() + name[1:]).replace("_", " ")


def _name_column(ctx: ApiContext) -> Any:
    """User names compared byte-wise (MediaWiki's user_name is a binary column)."""
    if ctx.db.get_bind().dialect.name == "postgresql":
        return User.name.collate("C")
    return User.name


def _member_of(groups: list[str]) -> ColumnElement[bool]:
    """The user has an unexpired explicit membership in one of ``groups``."""
    now = datetime.now(UTC)
    return User.id.in_(select(UserGroup.user_id).where(
        UserGroup.group.in_(groups),
        or_(UserGroup.expiry.is_(None), UserGroup.expiry >= now)))


def _recent_actions() -> Any:
    """Correlated count of the user's logged actions in the last $wgActiveUserDays days."""
    since = datetime.now(UTC) - timedelta(days=ACTIVE_USER_DAYS)
    return (select(func.count(LogEntry.id))
            .where(LogEntry.user_id == User.id, LogEntry.log_type != "newusers",
                   LogEntry.timestamp >= since)
            .correlate(User).scalar_subquery())


def _query(ctx: ApiContext, params: dict[str, Any], groups: list[str], excluded: list[str],
           recent: Any) -> Select[Any]:
    name = _name_column(ctx)
    ascending = params["dir"] == "ascending"
    query: Select[Any] = select(User, recent if recent is not None else literal(0))
    low = canonical_name(params["from"]) if params["from"] is not None else None
    high = canonical_name(params["to"]) if params["to"] is not None else None
    if low is not None:
        query = query.where(name >= low if ascending else name <= low)
    if high is not None:
        query = query.where(name <= high if ascending else name >= high)
    if params["prefix"]:
        start = canonical_name(params["prefix"])
        query = query.where(func.substr(User.name, 1, len(start)) == start)
    if groups:
        query = query.where(_member_of(groups))
    if excluded:
        query = query.where(~_member_of(excluded))
    if params["witheditsonly"]:
        query = query.where(User.edit_count > 0)
    if recent is not None:
        query = query.where(recent > 0)
    return query.order_by(name if ascending else name.desc())


class _Describer:
    """One ``allusers`` entry, keys in MediaWiki's order."""

    def __init__(self, ctx: ApiContext, params: dict[str, Any], user_ids: list[int]) -> None:
        self.ctx = ctx
        self.props: set[str] = set(params["prop"])
        self.attached_wiki: str | None = params["attachedwiki"]
        self.active: bool = params["activeusers"]
        wants_groups = bool(self.props & {"groups", "implicitgroups", "rights"})
        self.groups = _explicit_groups(ctx, user_ids) if wants_groups else {}

    def __call__(self, user: User, actions: int) -> dict[str, Any]:
        props = self.props
        data: dict[str, Any] = {"userid": user.id, "name": user.name}
        if "centralids" in props:
            data.update(self._central_ids(user))
        if "editcount" in props:
            data["editcount"] = user.edit_count
        if self.active:
            data["recentactions"] = int(actions)
        if "registration" in props:
            data["registration"] = iso(_aware(user.registration)) if user.registration else ""
        if props & {"groups", "implicitgroups", "rights"}:
            groups = [*IMPLICIT_USER_GROUPS, *self.groups.get(user.id, [])]
            if "groups" in props:
                data["groups"] = groups
            if "implicitgroups" in props:
                data["implicitgroups"] = list(IMPLICIT_USER_GROUPS)
            if "rights" in props:
                data["rights"] = rights_for_groups(self.ctx.settings, tuple(groups))
        return data

    def _central_ids(self, user: User) -> dict[str, Any]:
        """ApiQueryUserInfo::getCentralUserInfo with the local provider."""
        out: dict[str, Any] = {"centralids": {CENTRAL_ID_PROVIDER: user.id},
                               "attachedlocal": {CENTRAL_ID_PROVIDER: True}}
        if self.attached_wiki:
            here = self.attached_wiki == self.ctx.settings.wiki_id
            out["attachedwiki"] = {CENTRAL_ID_PROVIDER: here}
        return out


def _explicit_groups(ctx: ApiContext, user_ids: list[int]) -> dict[int, list[str]]:
    """Unexpired explicit groups of the listed users, each sorted by name."""
    now = datetime.now(UTC)
    found: dict[int, list[str]] = {}
    if not user_ids:
        return found
    rows = ctx.db.scalars(select(UserGroup).where(UserGroup.user_id.in_(user_ids)))
    for row in rows:
        if row.expiry is None or _aware(row.expiry) >= now:
            found.setdefault(row.user_id, []).append(row.group)
    return {user_id: sorted(groups) for user_id, groups in found.items()}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


__all__ = ["ALL_RIGHTS", "AllUsersModule", "canonical_name"]
