"""meta=userinfo over real HTTP, against the reference transcripts and captures.

The reference wiki empties the ``edit`` and ``upload`` rate limits in its LocalSettings; this
server has MediaWiki's defaults, so those two entries are added to the captured limits here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.api.auth_helpers import user_id
from tests.support import Accounts, ApiClient
from wikiupload.db.models import Page, Revision, User, UserGroup
from wikiupload.wiki import Wiki

OPTIONS = json.loads((Path(__file__).parent / "data" / "userinfo_default_options.json")
                     .read_text())["options"]
ANON_RIGHTS = ["createaccount", "read", "edit", "createpage", "createtalk", "writeapi",
               "viewmywatchlist", "editmywatchlist", "viewmyprivateinfo", "editmyprivateinfo",
               "editmyoptions"]
PLAIN_RIGHTS = [*ANON_RIGHTS, "move", "move-subpages", "move-rootuserpages",
                "move-categorypages", "movefile", "minoredit", "editmyusercss",
                "editmyuserjson", "editmyuserjs", "editmyuserjsredirect", "purge", "sendemail",
                "applychangetags", "changetags", "editcontentmodel", "autoconfirmed",
                "editsemiprotected"]
UPLOADER_BOT_RIGHTS = ["upload", "reupload", "reupload-own", "reupload-shared", "upload_by_url",
                       "read", "edit", "createpage", "createtalk", "writeapi", "move",
                       "move-subpages", "move-rootuserpages", "move-categorypages", "movefile",
                       "minoredit", "purge", "applychangetags", "changetags",
                       "editcontentmodel", "autoconfirmed", "editsemiprotected"]
USER_GROUPS = ["*", "user", "autoconfirmed"]


def limit(hits: int, seconds: int) -> dict[str, int]:
    return {"hits": hits, "seconds": seconds}


ANON_LIMITS = {
    "edit": {"ip": limit(8, 60)}, "upload": {"ip": limit(8, 60)},
    "mailpassword": {"ip": limit(5, 3600)}, "emailuser": {"ip": limit(5, 86400)},
    "purge": {"ip": limit(30, 60)}, "linkpurge": {"ip": limit(30, 60)},
    "renderfile": {"ip": limit(700, 30)}, "renderfile-nonstandard": {"ip": limit(70, 30)},
    "stashedit": {"ip": limit(30, 60)}, "stashbasehtml": {"ip": limit(5, 60)},
    "changetag": {"ip": limit(8, 60)},
}
USER_LIMITS = {
    "edit": {"user": limit(90, 60)}, "move": {"user": limit(8, 60)},
    "rollback": {"user": limit(10, 60)}, "emailuser": {"user": limit(20, 86400)},
    "changeemail": {"user": limit(4, 86400)}, "confirmemail": {"user": limit(4, 86400)},
    "purge": {"user": limit(30, 60)}, "linkpurge": {"user": limit(30, 60)},
    "renderfile": {"user": limit(700, 30)},
    "renderfile-nonstandard": {"user": limit(70, 30)},
    "editcontentmodel": {"user": limit(8, 60)},
}
CHANGEABLE_NONE: dict[str, list[str]] = {"add": [], "remove": [], "add-self": [], "remove-self": []}


def userinfo(client: ApiClient, **params: Any) -> dict[str, Any]:
    reply = client.get(action="query", meta="userinfo", **params)
    assert set(reply) == {"batchcomplete", "query"}, reply
    info: dict[str, Any] = reply["query"]["userinfo"]
    return info


def registered(wiki: Wiki, name: str) -> str:
    with wiki.db() as db:
        row = db.get(User, user_id(wiki, name))
        assert row is not None
        stamp = row.registration
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the reference transcripts ----------------------------------------------------------

def test_rights_uploader_transcript(uploader: ApiClient, wiki: Wiki) -> None:
    assert uploader.get(action="query", meta="userinfo", uiprop="rights|groups") == {
        "batchcomplete": "", "query": {"userinfo": {
            "id": user_id(wiki, "Uploader"), "name": "Uploader",
            "groups": ["uploader", *USER_GROUPS], "rights": UPLOADER_BOT_RIGHTS}}}


def test_rights_plain_transcript(plain: ApiClient, wiki: Wiki) -> None:
    assert plain.get(action="query", meta="userinfo", uiprop="rights|groups") == {
        "batchcomplete": "", "query": {"userinfo": {
            "id": user_id(wiki, "Plain"), "name": "Plain", "groups": USER_GROUPS,
            "rights": PLAIN_RIGHTS}}}


# -- default and selected properties ----------------------------------------------------

def test_default_anonymous(anon: ApiClient) -> None:
    assert anon.get(action="query", meta="userinfo") == {
        "batchcomplete": "", "query": {"userinfo": {"id": 0, "name": "127.0.0.1", "anon": ""}}}
    assert anon.get(action="query", meta="userinfo", formatversion="2") == {
        "batchcomplete": True,
        "query": {"userinfo": {"id": 0, "name": "127.0.0.1", "anon": True}}}


def test_default_logged_in(uploader: ApiClient, plain: ApiClient, wiki: Wiki) -> None:
    assert userinfo(uploader) == {"id": user_id(wiki, "Uploader"), "name": "Uploader"}
    assert userinfo(plain, formatversion="2") == {"id": user_id(wiki, "Plain"), "name": "Plain"}


SELECTED = "blockinfo|groups|hasmsg|ratelimits|rights"


def test_selected_anonymous(anon: ApiClient) -> None:
    expected = {"id": 0, "name": "127.0.0.1", "anon": "", "groups": ["*"],
                "rights": ANON_RIGHTS, "ratelimits": ANON_LIMITS}
    info = userinfo(anon, uiprop=SELECTED)
    assert info == expected and list(info) == list(expected)
    fv2 = userinfo(anon, uiprop=SELECTED, formatversion="2")
    assert fv2 == {"id": 0, "name": "127.0.0.1", "anon": True, "messages": False,
                   "groups": ["*"], "rights": ANON_RIGHTS, "ratelimits": ANON_LIMITS}
    assert list(fv2)[:5] == ["id", "name", "anon", "messages", "groups"]


def test_selected_plain(plain: ApiClient, wiki: Wiki) -> None:
    expected = {"id": user_id(wiki, "Plain"), "name": "Plain", "groups": USER_GROUPS,
                "rights": PLAIN_RIGHTS, "ratelimits": USER_LIMITS}
    assert userinfo(plain, uiprop=SELECTED) == expected
    assert userinfo(plain, uiprop=SELECTED, formatversion="2") == {
        **expected, "messages": False}


def test_selected_uploader_bot(uploader: ApiClient, wiki: Wiki) -> None:
    assert userinfo(uploader, uiprop=SELECTED) == {
        "id": user_id(wiki, "Uploader"), "name": "Uploader",
        "groups": ["uploader", *USER_GROUPS], "rights": UPLOADER_BOT_RIGHTS,
        "ratelimits": USER_LIMITS}


def test_noratelimit_means_no_limits(admin: ApiClient) -> None:
    info = userinfo(admin, uiprop="ratelimits|theoreticalratelimits")
    assert info["ratelimits"] == {}
    assert info["theoreticalratelimits"] == USER_LIMITS


def test_everything_anonymous(anon: ApiClient) -> None:
    expected = {
        "id": 0, "name": "127.0.0.1", "anon": "", "groups": ["*"], "groupmemberships": [],
        "implicitgroups": ["*"], "rights": ANON_RIGHTS, "changeablegroups": CHANGEABLE_NONE,
        "options": OPTIONS, "editcount": 0, "ratelimits": ANON_LIMITS,
        "theoreticalratelimits": ANON_LIMITS, "realname": "", "email": "", "acceptlang": [],
        "unreadcount": 0, "centralids": {"local": 0}, "attachedlocal": {}}
    info = userinfo(anon, uiprop="*")
    assert info == expected
    assert list(info) == list(expected)
    assert list(info["options"]) == list(OPTIONS)
    assert info["options"]["search-match-redirect"] is True


def test_everything_anonymous_fv2(anon: ApiClient) -> None:
    info = userinfo(anon, uiprop="*", formatversion="2")
    assert list(info) == [
        "id", "name", "anon", "messages", "groups", "groupmemberships", "implicitgroups",
        "rights", "changeablegroups", "options", "editcount", "ratelimits",
        "theoreticalratelimits", "realname", "email", "acceptlang", "unreadcount",
        "centralids", "attachedlocal"]
    assert info["messages"] is False and info["anon"] is True
    assert info["attachedlocal"] == {"local": False}
    assert info["options"] == OPTIONS


def test_everything_uploader_bot(uploader: ApiClient, wiki: Wiki) -> None:
    """A bot-password session without the privateinfo grant does not see its e-mail."""
    uid = user_id(wiki, "Uploader")
    expected = {
        "id": uid, "name": "Uploader", "groups": ["uploader", *USER_GROUPS],
        "groupmemberships": [{"group": "uploader", "expiry": "infinity"}],
        "implicitgroups": USER_GROUPS, "rights": UPLOADER_BOT_RIGHTS,
        "changeablegroups": CHANGEABLE_NONE, "options": OPTIONS, "editcount": 0,
        "ratelimits": USER_LIMITS, "theoreticalratelimits": USER_LIMITS, "realname": "",
        "registrationdate": registered(wiki, "Uploader"), "acceptlang": [],
        "unreadcount": 0, "centralids": {"local": uid}, "attachedlocal": {"local": ""}}
    info = userinfo(uploader, uiprop="*")
    assert info == expected and list(info) == list(expected)
    fv2 = userinfo(uploader, uiprop="*", formatversion="2")
    assert fv2["attachedlocal"] == {"local": True} and fv2["messages"] is False


def test_everything_plain(plain: ApiClient, wiki: Wiki) -> None:
    info = userinfo(plain, uiprop="*")
    assert info["email"] == "" and info["realname"] == ""
    assert info["registrationdate"] == registered(wiki, "Plain")
    assert info["groupmemberships"] == [] and info["rights"] == PLAIN_RIGHTS


def test_userrights_can_change_every_group(api_url: str, wiki: Wiki,
                                           accounts: Accounts) -> None:
    client = ApiClient(api_url)
    try:
        client.login_main("Admin", accounts.admin_password)
        info = userinfo(client, uiprop="changeablegroups|groups|groupmemberships")
    finally:
        client.close()
    every = ["bot", "sysop", "interface-admin", "bureaucrat", "suppress", "uploader"]
    assert info["changeablegroups"] == {"add": every, "remove": every, "add-self": [],
                                        "remove-self": []}
    assert info["groups"] == ["bureaucrat", "sysop", "uploader", *USER_GROUPS]
    assert info["groupmemberships"] == [
        {"group": group, "expiry": "infinity"} for group in ("bureaucrat", "sysop", "uploader")]


def test_a_bot_session_without_the_grant_cannot_change_groups(admin: ApiClient) -> None:
    assert userinfo(admin, uiprop="changeablegroups")["changeablegroups"] == CHANGEABLE_NONE


def test_private_data_and_contributions(plain: ApiClient, wiki: Wiki) -> None:
    uid = user_id(wiki, "Plain")
    later = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    with wiki.db() as db:
        row = db.get(User, uid)
        assert row is not None
        row.email, row.real_name, row.edit_count = "plain@example.org", "Plain Person", 3
        db.add(UserGroup(user_id=uid, group="bot", expiry=later))
        page = Page(namespace=0, title="Sandbox", touched=later)
        db.add(page)
        db.flush()
        db.add(Revision(page_id=page.id, user_id=uid, user_text="Plain", timestamp=later))
        db.commit()
    info = userinfo(plain, uiprop="email|realname|editcount|groupmemberships|latestcontrib")
    assert info == {"id": uid, "name": "Plain", "groupmemberships": [
        {"group": "bot", "expiry": "2031-05-06T07:08:09Z"}], "editcount": 3,
        "realname": "Plain Person", "email": "plain@example.org",
        "latestcontrib": "2031-05-06T07:08:09Z"}


def test_no_contributions_means_no_latestcontrib(plain: ApiClient) -> None:
    assert "latestcontrib" not in userinfo(plain, uiprop="latestcontrib")


def test_accept_language(anon: ApiClient) -> None:
    headers = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}
    reply = anon.raw("GET", {"action": "query", "meta": "userinfo", "uiprop": "acceptlang"},
                     headers=headers).json()
    assert reply["query"]["userinfo"]["acceptlang"] == [
        {"q": 1, "*": "de-de"}, {"q": 0.9, "*": "de"}, {"q": 0.8, "*": "en"}]
    reply = anon.raw("GET", {"action": "query", "meta": "userinfo", "uiprop": "acceptlang",
                             "formatversion": "2"},
                     headers={"Accept-Language": "EN-us, fr;q=0, *;q=0.5"}).json()
    assert reply["query"]["userinfo"]["acceptlang"] == [
        {"q": 1, "code": "en-us"}, {"q": 0.5, "code": "*"}]


def test_attached_wiki(uploader: ApiClient, anon: ApiClient, wiki: Wiki) -> None:
    uid = user_id(wiki, "Uploader")
    here = userinfo(uploader, uiprop="centralids", uiattachedwiki=wiki.settings.wiki_id)
    assert here == {"id": uid, "name": "Uploader", "centralids": {"local": uid},
                    "attachedlocal": {"local": ""}, "attachedwiki": {"local": ""}}
    other = userinfo(uploader, uiprop="centralids", uiattachedwiki="otherwiki",
                     formatversion="2")
    assert other["attachedwiki"] == {"local": False}
    assert userinfo(anon, uiprop="centralids", uiattachedwiki="otherwiki") == {
        "id": 0, "name": "127.0.0.1", "anon": "", "centralids": {"local": 0},
        "attachedlocal": {}, "attachedwiki": {}}


def test_unknown_property_warns(anon: ApiClient) -> None:
    assert anon.get(action="query", meta="userinfo", uiprop="foo|groups") == {
        "batchcomplete": "",
        "warnings": {"userinfo": {"*": 'Unrecognized value for parameter "uiprop": foo'}},
        "query": {"userinfo": {"id": 0, "name": "127.0.0.1", "anon": "", "groups": ["*"]}}}
    assert anon.get(action="query", meta="userinfo", uiprop="foo", formatversion="2") == {
        "batchcomplete": True,
        "warnings": {"userinfo": {"warnings": 'Unrecognized value for parameter "uiprop": foo'}},
        "query": {"userinfo": {"id": 0, "name": "127.0.0.1", "anon": True}}}


def test_jsonp_is_anonymous(uploader: ApiClient) -> None:
    reply = uploader.raw("GET", {"action": "query", "meta": "userinfo", "callback": "foo"})
    assert reply.headers["MediaWiki-Login-Suppressed"] == "true"
    assert reply.text == ('/**/foo({"batchcomplete":"","query":{"userinfo":'
                          '{"id":0,"name":"127.0.0.1","anon":""}}})')
