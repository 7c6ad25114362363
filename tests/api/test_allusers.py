"""list=allusers over HTTP, against the shapes of MediaWiki 1.39's ApiQueryAllUsers.

The expected values were checked against the reference wiki (its accounts are Admin,
"MediaWiki default", Plain and Uploader; the test wiki has Admin=1, Uploader=2, Plain=3).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.support import ApiClient, error_of
from wikiupload.auth.users import create_user
from wikiupload.db.file_models import LogEntry
from wikiupload.db.models import User, UserGroup
from wikiupload.wiki import Wiki

ADMIN = {"userid": 1, "name": "Admin"}
UPLOADER = {"userid": 2, "name": "Uploader"}
PLAIN = {"userid": 3, "name": "Plain"}
IMPLICIT = ["*", "user", "autoconfirmed"]
# The reference wiki's answer for Uploader with auprop=rights (MediaWiki's order).
UPLOADER_RIGHTS = [
    "createaccount", "read", "edit", "createpage", "createtalk", "writeapi",
    "viewmywatchlist", "editmywatchlist", "viewmyprivateinfo", "editmyprivateinfo",
    "editmyoptions", "move", "move-subpages", "move-rootuserpages", "move-categorypages",
    "movefile", "minoredit", "editmyusercss", "editmyuserjson", "editmyuserjs",
    "editmyuserjsredirect", "purge", "sendemail", "applychangetags", "changetags",
    "editcontentmodel", "autoconfirmed", "editsemiprotected", "upload", "reupload",
    "reupload-own", "reupload-shared", "upload_by_url"]


def allusers(client: ApiClient, **params: Any) -> dict[str, Any]:
    return client.get(action="query", list="allusers", **params)


def names(reply: dict[str, Any]) -> list[str]:
    return [user["name"] for user in reply["query"]["allusers"]]


def registration(wiki: Wiki, name: str) -> str:
    with wiki.db() as db:
        user = db.scalars(select(User).where(User.name == name)).one()
        stamp = user.registration
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def add_users(wiki: Wiki, *new: str) -> None:
    with wiki.db() as db:
        for name in new:
            create_user(db, name, "")
        db.commit()


def test_default_listing_in_both_formats(anon: ApiClient) -> None:
    assert allusers(anon) == {"batchcomplete": "",
                              "query": {"allusers": [ADMIN, PLAIN, UPLOADER]}}
    assert allusers(anon, formatversion=2) == {
        "batchcomplete": True, "query": {"allusers": [ADMIN, PLAIN, UPLOADER]}}


def test_groups_editcount_registration(anon: ApiClient, wiki: Wiki) -> None:
    """What pywikibot's site.allusers() asks for: auprop=editcount|groups|registration."""
    reply = allusers(anon, auprop="groups|editcount|registration")
    assert reply["query"]["allusers"] == [
        {**ADMIN, "editcount": 0, "registration": registration(wiki, "Admin"),
         "groups": [*IMPLICIT, "bureaucrat", "sysop", "uploader"]},
        {**PLAIN, "editcount": 0, "registration": registration(wiki, "Plain"),
         "groups": IMPLICIT},
        {**UPLOADER, "editcount": 0, "registration": registration(wiki, "Uploader"),
         "groups": [*IMPLICIT, "uploader"]},
    ]
    # keys in MediaWiki's order
    assert list(reply["query"]["allusers"][0]) == [
        "userid", "name", "editcount", "registration", "groups"]


def test_rights_implicitgroups_centralids(anon: ApiClient, wiki: Wiki) -> None:
    reply = allusers(anon, auprop="rights|implicitgroups|centralids|blockinfo",
                     auprefix="Uploader")
    assert reply == {"batchcomplete": "", "query": {"allusers": [
        {**UPLOADER, "centralids": {"local": 2}, "attachedlocal": {"local": ""},
         "implicitgroups": IMPLICIT, "rights": UPLOADER_RIGHTS}]}}
    fv2 = allusers(anon, auprop="centralids", auprefix="Uploader", formatversion=2,
                   auattachedwiki=wiki.settings.wiki_id)
    assert fv2["query"]["allusers"] == [
        {**UPLOADER, "centralids": {"local": 2}, "attachedlocal": {"local": True},
         "attachedwiki": {"local": True}}]
    elsewhere = allusers(anon, auprop="centralids", auprefix="Uploader",
                         auattachedwiki="otherwiki")
    # fv1 drops false values: MediaWiki answers "attachedwiki": {}
    assert elsewhere["query"]["allusers"][0]["attachedwiki"] == {}
    fv2_elsewhere = allusers(anon, auprop="centralids", auprefix="Uploader",
                             auattachedwiki="otherwiki", formatversion=2)
    assert fv2_elsewhere["query"]["allusers"][0]["attachedwiki"] == {"local": False}


def test_continuation_with_aufrom(anon: ApiClient) -> None:
    first = allusers(anon, aulimit=1)
    assert first == {"batchcomplete": "", "continue": {"aufrom": "Plain", "continue": "-||"},
                     "query": {"allusers": [ADMIN]}}
    second = allusers(anon, aulimit=1, **first["continue"])
    assert second["query"]["allusers"] == [PLAIN]
    assert second["continue"] == {"aufrom": "Uploader", "continue": "-||"}
    third = allusers(anon, aulimit=1, **second["continue"])
    assert third == {"batchcomplete": "", "query": {"allusers": [UPLOADER]}}

    backwards = allusers(anon, aulimit=2, audir="descending", formatversion=2)
    assert backwards == {"batchcomplete": True,
                         "continue": {"aufrom": "Admin", "continue": "-||"},
                         "query": {"allusers": [UPLOADER, PLAIN]}}
    rest = allusers(anon, aulimit=2, audir="descending", **backwards["continue"])
    assert rest == {"batchcomplete": "", "query": {"allusers": [ADMIN]}}


def test_from_to_and_prefix_are_canonicalised(anon: ApiClient) -> None:
    assert names(allusers(anon, aufrom="plain_x", auto="uploader")) == ["Uploader"]
    assert names(allusers(anon, aufrom="Plain", auto="Plain")) == ["Plain"]
    assert names(allusers(anon, audir="descending", aufrom="P", auto="A")) == ["Admin"]
    assert names(allusers(anon, auprefix="u")) == ["Uploader"]
    assert names(allusers(anon, auprefix="")) == ["Admin", "Plain", "Uploader"]
    assert names(allusers(anon, aufrom="")) == ["Admin", "Plain", "Uploader"]
    assert names(allusers(anon, auprefix="Nobody")) == []


def test_names_compare_byte_wise(anon: ApiClient, wiki: Wiki) -> None:
    add_users(wiki, "Zed", "Ärger", "Upload test", "UPPER")
    assert names(allusers(anon, aulimit=10)) == [
        "Admin", "Plain", "UPPER", "Upload test", "Uploader", "Zed", "Ärger"]
    # the prefix is case-sensitive after the first letter (a binary LIKE)
    assert names(allusers(anon, auprefix="up")) == ["Upload test", "Uploader"]
    assert names(allusers(anon, auprefix="UP")) == ["UPPER"]
    assert names(allusers(anon, auprefix="upload_")) == ["Upload test"]
    assert names(allusers(anon, aufrom="Zz")) == ["Ärger"]
    assert names(allusers(anon, aufrom="ärger")) == ["Ärger"]


def test_group_filters(anon: ApiClient, api_url: str) -> None:
    assert names(allusers(anon, augroup="uploader|sysop")) == ["Admin", "Uploader"]
    assert names(allusers(anon, augroup="uploader", auprop="groups")) == ["Admin", "Uploader"]
    assert names(allusers(anon, auexcludegroup="uploader|sysop")) == ["Plain"]
    assert names(allusers(anon, auexcludegroup="sysop")) == ["Plain", "Uploader"]
    assert allusers(anon, augroup="bogus") == {
        "batchcomplete": "",
        "warnings": {"allusers": {"*": 'Unrecognized value for parameter "augroup": bogus'}},
        "query": {"allusers": [ADMIN, PLAIN, UPLOADER]}}
    assert allusers(anon, augroup="sysop", auexcludegroup="uploader") == error_of(
        api_url, "invalidparammix",
        'The parameters "augroup" and "auexcludegroup" can not be used together.')


def test_expired_memberships_do_not_count(anon: ApiClient, wiki: Wiki) -> None:
    with wiki.db() as db:
        db.add(UserGroup(user_id=3, group="sysop",
                         expiry=datetime.now(UTC) - timedelta(days=1)))
        db.add(UserGroup(user_id=3, group="bot",
                         expiry=datetime.now(UTC) + timedelta(days=1)))
        db.commit()
    assert names(allusers(anon, augroup="sysop")) == ["Admin"]
    assert names(allusers(anon, augroup="bot")) == ["Plain"]
    assert names(allusers(anon, auexcludegroup="sysop")) == ["Plain", "Uploader"]
    plain = allusers(anon, auprop="groups", auprefix="Plain")["query"]["allusers"]
    assert plain == [{**PLAIN, "groups": [*IMPLICIT, "bot"]}]


def test_rights_filter(anon: ApiClient, api_url: str) -> None:
    assert names(allusers(anon, aurights="upload")) == ["Admin", "Uploader"]
    assert names(allusers(anon, aurights="upload", augroup="sysop")) == ["Admin", "Uploader"]
    assert names(allusers(anon, aurights="delete")) == ["Admin"]
    # rights of the implicit groups match nobody; the suppress group has no members
    assert allusers(anon, aurights="edit") == {"batchcomplete": "",
                                               "query": {"allusers": []}}
    assert allusers(anon, aurights="hideuser", formatversion=2) == {
        "batchcomplete": True, "query": {"allusers": []}}
    mix = error_of(api_url, "invalidparammix",
                   'The parameters "augroup" and "auexcludegroup" can not be used together.')
    # the groups found for aurights count as augroup
    assert allusers(anon, aurights="upload", auexcludegroup="sysop") == mix
    assert allusers(anon, aurights="edit", auexcludegroup="sysop") == mix
    # no group at all has siteadmin: the empty answer comes before that check
    assert allusers(anon, aurights="siteadmin", auexcludegroup="sysop") == {
        "batchcomplete": "", "query": {"allusers": []}}
    bogus = allusers(anon, aurights="bogus")
    assert bogus["warnings"] == {
        "allusers": {"*": 'Unrecognized value for parameter "aurights": bogus'}}
    assert names(bogus) == ["Admin", "Plain", "Uploader"]


def test_witheditsonly_and_activeusers(anon: ApiClient, wiki: Wiki) -> None:
    now = datetime.now(UTC)
    with wiki.db() as db:
        for user_id, count in ((1, 3), (2, 5)):
            user = db.get(User, user_id)
            assert user is not None
            user.edit_count = count
        entries = [(2, "Uploader", "upload", now - timedelta(hours=1)),
                   (2, "Uploader", "upload", now - timedelta(days=29)),
                   (2, "Uploader", "newusers", now - timedelta(hours=1)),
                   (1, "Admin", "upload", now - timedelta(days=31)),
                   (3, "Plain", "delete", now - timedelta(minutes=5))]
        for user_id, name, kind, stamp in entries:
            db.add(LogEntry(log_type=kind, log_action=kind, timestamp=stamp, user_id=user_id,
                            user_text=name))
        db.commit()
    assert names(allusers(anon, auwitheditsonly="1")) == ["Admin", "Uploader"]
    active = allusers(anon, auactiveusers="1", auprop="editcount")
    assert active == {"batchcomplete": "", "query": {"allusers": [
        {**PLAIN, "editcount": 0, "recentactions": 1},
        {**UPLOADER, "editcount": 5, "recentactions": 2}]}}
    assert list(active["query"]["allusers"][1]) == [
        "userid", "name", "editcount", "recentactions"]
    assert names(allusers(anon, auactiveusers="1", auwitheditsonly="1")) == ["Uploader"]


def test_limits(anon: ApiClient, admin: ApiClient, api_url: str) -> None:
    assert allusers(anon, aulimit="max") == {
        "batchcomplete": "", "limits": {"allusers": 500},
        "query": {"allusers": [ADMIN, PLAIN, UPLOADER]}}
    # apihighlimits (sysop, and the Admin@bot grants) raises the maximum
    assert allusers(admin, aulimit="max")["limits"] == {"allusers": 5000}
    zero = allusers(anon, aulimit=0)
    assert zero == {
        "batchcomplete": "", "continue": {"aufrom": "Plain", "continue": "-||"},
        "warnings": {"allusers": {
            "*": 'The value "0" for parameter "aulimit" must be between 1 and 500.'}},
        "query": {"allusers": [ADMIN]}}
    assert allusers(anon, aulimit="abc") == error_of(
        api_url, "badinteger", 'Invalid value "abc" for integer parameter "aulimit".')
    assert allusers(anon, auprop="bogus")["warnings"] == {
        "allusers": {"*": 'Unrecognized value for parameter "auprop": bogus'}}


def test_combined_with_other_query_modules(uploader: ApiClient) -> None:
    """pywikibot adds meta=userinfo to every query; the continuation names both."""
    reply = uploader.get(action="query", list="allusers", aufrom="Uploader", aulimit=1,
                         auprop="editcount|groups|registration", meta="userinfo",
                         uiprop="blockinfo|hasmsg", formatversion=2)
    assert reply["query"]["userinfo"] == {"id": 2, "name": "Uploader", "messages": False}
    assert names(reply) == ["Uploader"]
    assert "continue" not in reply and reply["batchcomplete"] is True
    more = uploader.get(action="query", list="allusers", aulimit=1, meta="userinfo")
    assert more["continue"] == {"aufrom": "Plain", "continue": "-||userinfo"}


def test_paraminfo_describes_the_module(anon: ApiClient) -> None:
    reply = anon.get(action="paraminfo", modules="query+allusers", formatversion=2)
    module = reply["paraminfo"]["modules"][0]
    assert (module["name"], module["classname"], module["group"], module["prefix"]) == (
        "allusers", "ApiQueryAllUsers", "list", "au")
    params = {p["name"]: p for p in module["parameters"]}
    assert list(params) == ["from", "to", "prefix", "dir", "group", "excludegroup", "rights",
                            "prop", "limit", "witheditsonly", "activeusers", "attachedwiki"]
    assert params["prop"]["type"] == ["blockinfo", "centralids", "editcount", "groups",
                                      "implicitgroups", "registration", "rights"]
    assert {"upload", "reupload", "upload_by_url", "edit"} <= set(params["rights"]["type"])
    assert (params["limit"]["default"], params["limit"]["max"],
            params["limit"]["highmax"]) == (10, 500, 5000)
    query = anon.get(action="paraminfo", modules="query", formatversion=2)
    lists = next(p for p in query["paraminfo"]["modules"][0]["parameters"]
                 if p["name"] == "list")
    assert "allusers" in lists["type"]
