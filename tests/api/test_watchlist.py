"""Watchlists: action=watch, list=watchlistraw, prop=info's watch facts and the watch an
upload adds, as the reference MediaWiki 1.39 answers them (refcaptures of Plain's and
Uploader's watchlists; the reference wiki also watches each user's own user pages)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests import media_samples as media
from tests.api.page_helpers import LANGUAGE, MAILING_LIST, edit
from tests.conftest import populate
from tests.support import Accounts, ApiClient, error_of
from wikiupload.auth.users import find_user, set_groups
from wikiupload.db.watch_models import Watch
from wikiupload.watchlist import set_watchlist_token
from wikiupload.wiki import Wiki

A, B = "Watch A", "Watch B"


@pytest.fixture
def wiki_settings() -> dict[str, Any]:
    return {}


@pytest.fixture
def wiki(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts,
         wiki_settings: dict[str, Any]) -> Wiki:
    built: Wiki = wiki_factory(**wiki_settings)
    populate(built, accounts)
    edit(built, "Main Page", "Welcome")
    app_holder["app"].state.wiki = built
    return built


@pytest.fixture
def uploader_main(wiki: Wiki, api_url: str, accounts: Accounts) -> Any:
    """Uploader with the main password: all rights, the watchlist ones too."""
    client = ApiClient(api_url)
    client.login_main("Uploader", accounts.uploader_password)
    yield client
    client.close()


def watch(client: ApiClient, titles: str, **params: Any) -> dict[str, Any]:
    return client.post(action="watch", titles=titles, token=client.token("watch"), **params)


def raw(client: ApiClient, **params: Any) -> dict[str, Any]:
    return client.get(action="query", list="watchlistraw", **params)


def info(client: ApiClient, titles: str, inprop: str, **params: Any) -> list[dict[str, Any]]:
    reply = client.get(action="query", prop="info", titles=titles, inprop=inprop,
                       formatversion="2", **params)
    return reply["query"]["pages"]  # type: ignore[no-any-return]


def watch_facts(pages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    keys = ("watched", "watchlistexpiry", "watchers", "visitingwatchers",
            "notificationtimestamp")
    return {p["title"]: {k: p[k] for k in keys if k in p} for p in pages}


# -- action=watch ------------------------------------------------------------------------------

def test_watch_titles_of_every_kind(plain: ApiClient) -> None:
    reply = watch(plain, f"{A}|Talk:{B}|Special:Foo|Main Page|<bad>")
    assert reply == {"batchcomplete": "", "watch": [
        {"title": "<bad>", "invalidreason":
            "The requested page title contains invalid characters: \"<\".", "invalid": ""},
        {"ns": -1, "title": "Special:Foo", "special": "", "missing": ""},
        {"title": A, "ns": 0, "watched": "", "missing": ""},
        {"title": f"Talk:{B}", "ns": 1, "watched": "", "missing": ""},
        {"title": "Main Page", "ns": 0, "watched": ""}]}
    assert raw(plain, formatversion="2") == {"batchcomplete": True, "watchlistraw": [
        {"ns": 0, "title": "Main Page"}, {"ns": 0, "title": A}, {"ns": 0, "title": B},
        {"ns": 1, "title": "Talk:Main Page"}, {"ns": 1, "title": f"Talk:{A}"},
        {"ns": 1, "title": f"Talk:{B}"}]}


def test_expiry_is_unknown_without_the_setting(plain: ApiClient) -> None:
    reply = watch(plain, A, expiry="1 week")
    assert reply == {"warnings": {"main": {"*": "Unrecognized parameter: expiry."}},
                     "batchcomplete": "",
                     "watch": [{"title": A, "ns": 0, "watched": "", "missing": ""}]}


def test_deprecated_title(plain: ApiClient) -> None:
    token = plain.token("watch")
    reply = plain.post(action="watch", title=A, token=token)
    assert reply == {"batchcomplete": "", "warnings": {
        "main": {"*": MAILING_LIST},
        "watch": {"*": "The parameter \"title\" has been deprecated."}},
        "watch": {"title": A, "ns": 0, "watched": ""}}
    mixed = plain.post(action="watch", title=A, titles=A, token=token)
    assert mixed["error"]["code"] == "invalidparammix"
    assert mixed["error"]["info"] == "The \"title\" parameter cannot be used with \"titles\"."
    for bad in ("Special:X", "<bad>"):
        assert plain.post(action="watch", title=bad, token=token)["error"] == {
            "code": "invalidtitle", "info": "Invalid title", "*": mixed["error"]["*"]}


def test_watch_without_pages_and_with_wrong_token(plain: ApiClient) -> None:
    assert plain.post(action="watch", token=plain.token("watch")) == {
        "batchcomplete": "", "watch": []}
    wrong = plain.post(action="watch", titles=A, token=plain.csrf)
    assert wrong["error"]["code"] == "badtoken"
    both = plain.post(action="watch", titles=A, pageids="1", token=plain.token("watch"))
    assert both["error"]["code"] == "multisource"


def test_unwatch_removes_the_talk_page_too(plain: ApiClient) -> None:
    watch(plain, f"{A}|Talk:{B}|Main Page")
    reply = watch(plain, f"{A}|Talk:{B}|Main Page", unwatch="1")
    assert reply == {"batchcomplete": "", "watch": [
        {"title": A, "ns": 0, "unwatched": "", "missing": ""},
        {"title": f"Talk:{B}", "ns": 1, "unwatched": "", "missing": ""},
        {"title": "Main Page", "ns": 0, "unwatched": ""}]}
    assert raw(plain) == {"batchcomplete": "", "watchlistraw": []}


def test_anonymous_callers(anon: ApiClient, api_url: str) -> None:
    info_text = "Please log in to view or edit items on your watchlist."
    assert raw(anon) == error_of(api_url, "notloggedin", info_text)
    reply = anon.post(action="watch", titles=A, token="+\\")
    assert reply == error_of(api_url, "notloggedin", info_text)
    page = anon.get(action="query", prop="info", titles=A,
                    inprop="watched|notificationtimestamp")["query"]["pages"]["-1"]
    assert "watched" not in page and page["notificationtimestamp"] == ""


def test_bot_password_without_watchlist_grants(uploader: ApiClient, api_url: str) -> None:
    assert raw(uploader) == error_of(api_url, "permissiondenied",
                                     "You don't have permission to view your watchlist.")
    reply = watch(uploader, A)
    assert reply == error_of(api_url, "permissiondenied",
                             "You don't have permission to edit your watchlist.")


# -- prop=info ---------------------------------------------------------------------------------

def test_info_watch_facts(plain: ApiClient) -> None:
    watch(plain, f"{A}|Talk:{B}|Main Page")
    pages = info(plain, f"{A}|{B}|Main Page",
                 "watched|watchers|visitingwatchers|notificationtimestamp")
    assert [p["title"] for p in pages] == [B, A, "Main Page"]
    assert pages[0] == {"ns": 0, "title": B, "missing": True, **LANGUAGE, "watched": True,
                        "notificationtimestamp": ""}
    assert watch_facts(pages)["Main Page"] == {"watched": True, "notificationtimestamp": ""}


# -- list=watchlistraw -------------------------------------------------------------------------

def test_watchlistraw_paging_filters_and_errors(plain: ApiClient, api_url: str) -> None:
    watch(plain, f"{A}|Talk:{B}|Main Page")
    assert raw(plain, wrlimit="2") == {
        "batchcomplete": "", "continue": {"wrcontinue": "0|Watch_B", "continue": "-||"},
        "watchlistraw": [{"ns": 0, "title": "Main Page"}, {"ns": 0, "title": A}]}
    assert raw(plain, wrlimit="2", wrdir="descending", wrprop="changed",
               wrshow="!changed") == {
        "batchcomplete": "", "continue": {"wrcontinue": "1|Main_Page", "continue": "-||"},
        "watchlistraw": [{"ns": 1, "title": f"Talk:{B}"}, {"ns": 1, "title": f"Talk:{A}"}]}
    assert raw(plain, wrnamespace="1", wrshow="changed") == {
        "batchcomplete": "", "watchlistraw": []}
    assert raw(plain, wrshow="changed|!changed") == error_of(
        api_url, "show", "Incorrect parameter - mutually exclusive values may not be supplied.")
    assert raw(plain, wrfromtitle="Talk:W", wrtotitle="Talk:Z")["watchlistraw"] == [
        {"ns": 1, "title": f"Talk:{A}"}, {"ns": 1, "title": f"Talk:{B}"}]
    assert raw(plain, wrcontinue="1|Watch_A", formatversion="2")["watchlistraw"] == [
        {"ns": 1, "title": f"Talk:{A}"}, {"ns": 1, "title": f"Talk:{B}"}]
    assert raw(plain, wrcontinue="x")["error"]["code"] == "badcontinue"
    assert raw(plain, wrfromtitle="<bad>") == error_of(api_url, "invalidtitle",
                                                       "Bad title \"<bad>\".")


def test_watchlistraw_of_another_user(wiki: Wiki, plain: ApiClient, api_url: str) -> None:
    assert raw(plain, wrowner="Uploader", wrtoken="abc") == error_of(
        api_url, "bad_wltoken",
        "Incorrect watchlist token provided. Please set a correct token in "
        "[[Special:Preferences]].")
    assert raw(plain, wrowner="NoSuchUserXyz", wrtoken="abc") == error_of(
        api_url, "bad_wlowner", "There is no user by the name \"NoSuchUserXyz\".\n"
                                "Check your spelling.")
    with wiki.db() as db:
        uploader = find_user(db, "Uploader")
        assert uploader is not None
        db.add(Watch(user_id=uploader.id, namespace=0, title="Secret"))
        set_watchlist_token(db, uploader.id, "s3cret")
        db.commit()
    assert raw(plain, wrowner="Uploader")["watchlistraw"] == []      # no token: own list
    assert raw(plain, wrowner="Uploader", wrtoken="s3cret")["watchlistraw"] == [
        {"ns": 0, "title": "Secret"}]


def test_watchlistraw_as_generator_and_beside_query(plain: ApiClient) -> None:
    watch(plain, f"{A}|Main Page")
    reply = plain.get(action="query", generator="watchlistraw", gwrlimit="1", prop="info",
                      formatversion="2")
    assert reply["continue"] == {"gwrcontinue": "0|Watch_A", "continue": "gwrcontinue||"}
    assert [p["title"] for p in reply["query"]["pages"]] == ["Main Page"]
    both = plain.get(action="query", list="watchlistraw|tags", wrlimit="1", tglimit="1",
                     meta="tokens", type="watch")
    assert list(both) == ["batchcomplete", "continue", "watchlistraw", "query"]
    assert both["continue"] == {"wrcontinue": "0|Watch_A",
                                "tgcontinue": "mw-changed-redirect-target",
                                "continue": "-||tokens"}
    every = plain.get(action="query", list="watchlistraw", wrlimit="max")
    assert list(every) == ["batchcomplete", "limits", "watchlistraw"]
    assert every["limits"] == {"watchlistraw": 500}


# -- watching on upload ------------------------------------------------------------------------

def test_upload_watch_decisions(uploader: ApiClient, admin: ApiClient) -> None:
    """The bot-password session cannot read its watchlist; Admin sees the counts."""
    assert uploader.upload("W-pref.png", media.png("w-pref"))["upload"]["result"] == "Success"
    watched = uploader.upload("W-watch.png", media.png("w-watch"), watchlist="watch",
                              watchlistexpiry="1 week")
    assert watched["warnings"] == {"main": {"*": "Unrecognized parameter: watchlistexpiry."}}
    uploader.upload("W-nochange.png", media.png("w-nochange"), watchlist="nochange")
    titles = "File:W-pref.png|File:W-watch.png|File:W-nochange.png|File talk:W-pref.png"
    assert watch_facts(info(uploader, titles, "watched")) == {
        t: {"watched": False} for t in titles.split("|")}
    assert watch_facts(info(admin, titles, "watched|watchers|visitingwatchers")) == {
        "File:W-pref.png": {"watched": False, "watchers": 1, "visitingwatchers": 1},
        "File:W-watch.png": {"watched": False, "watchers": 1, "visitingwatchers": 1},
        "File:W-nochange.png": {"watched": False, "watchers": 0, "visitingwatchers": 0},
        "File talk:W-pref.png": {"watched": False, "watchers": 1, "visitingwatchers": 1}}
    forced = uploader.upload("W-nochange.png", media.png("w-nochange2"), watch="1",
                             watchlist="nochange", ignorewarnings="1")
    assert forced["warnings"]["upload"] == {
        "*": "The parameter \"watch\" has been deprecated."}
    assert watch_facts(info(admin, "File:W-nochange.png", "watchers")) == {
        "File:W-nochange.png": {"watchers": 1}}


def test_reupload_by_another_user_marks_the_page_changed(uploader_main: ApiClient,
                                                         admin: ApiClient) -> None:
    uploader_main.upload("M-pref.png", media.png("m-pref"))
    titles = "File:M-pref.png|File talk:M-pref.png|File:M-other.png"
    facts = watch_facts(info(uploader_main, titles, "watched|notificationtimestamp"))
    assert facts == {"File:M-pref.png": {"watched": True, "notificationtimestamp": ""},
                     "File talk:M-pref.png": {"watched": True, "notificationtimestamp": ""},
                     "File:M-other.png": {"watched": False, "notificationtimestamp": ""}}
    admin.upload("M-pref.png", media.png("m-pref2"), ignorewarnings="1", comment="by admin")
    facts = watch_facts(info(uploader_main, titles, "watched|notificationtimestamp"))
    changed = facts["File:M-pref.png"]["notificationtimestamp"]
    assert changed.endswith("Z") and facts["File talk:M-pref.png"]["notificationtimestamp"] == ""
    assert raw(uploader_main, wrprop="changed", wrshow="changed", formatversion="2") == {
        "batchcomplete": True,
        "watchlistraw": [{"ns": 6, "title": "File:M-pref.png", "changed": changed}]}


def test_unwatched_file_is_watched_again_on_reupload(uploader_main: ApiClient) -> None:
    uploader_main.upload("M-pref.png", media.png("m-pref"))
    reply = watch(uploader_main, "File:M-pref.png", unwatch="1")
    assert reply["watch"] == [{"title": "File:M-pref.png", "ns": 6, "unwatched": ""}]
    titles = "File:M-pref.png|File talk:M-pref.png"
    assert watch_facts(info(uploader_main, titles, "watched")) == {
        "File:M-pref.png": {"watched": False}, "File talk:M-pref.png": {"watched": False}}
    uploader_main.upload("M-pref.png", media.png("m-pref3"), ignorewarnings="1")
    assert watch_facts(info(uploader_main, titles, "watched")) == {
        "File:M-pref.png": {"watched": True}, "File talk:M-pref.png": {"watched": True}}
    uploader_main.upload("M-other.png", media.png("m-other"), watchlist="nochange", tags="")
    assert watch_facts(info(uploader_main, "File:M-other.png", "watched")) == {
        "File:M-other.png": {"watched": False}}


def test_bots_keep_their_watchlist_with_preferences(wiki: Wiki, uploader_main: ApiClient,
                                                    admin: ApiClient) -> None:
    with wiki.db() as db:
        user = find_user(db, "Uploader")
        assert user is not None
        set_groups(db, user, ["uploader", "bot"])
        db.commit()
    uploader_main.upload("Botpref.png", media.png("botpref"))
    uploader_main.upload("Botwatch.png", media.png("botwatch"), watchlist="watch")
    assert watch_facts(info(admin, "File:Botpref.png|File:Botwatch.png", "watchers")) == {
        "File:Botpref.png": {"watchers": 0}, "File:Botwatch.png": {"watchers": 1}}


@pytest.mark.parametrize("wiki_settings", [{"default_user_options": {"watchdefault": 0}}])
def test_watchuploads_only_for_new_files(uploader_main: ApiClient, admin: ApiClient) -> None:
    admin.upload("Shared.png", media.png("shared"), watchlist="nochange")
    uploader_main.upload("Shared.png", media.png("shared2"), ignorewarnings="1")
    uploader_main.upload("Mine.png", media.png("mine"))
    assert watch_facts(info(uploader_main, "File:Shared.png|File:Mine.png", "watched")) == {
        "File:Shared.png": {"watched": False}, "File:Mine.png": {"watched": True}}


@pytest.mark.parametrize("wiki_settings", [{"default_user_options": {
    "watchdefault": 0, "watchuploads": 0, "watchcreations": 0}}])
def test_no_watch_options(uploader_main: ApiClient) -> None:
    uploader_main.upload("Nowatch.png", media.png("nowatch"))
    assert watch_facts(info(uploader_main, "File:Nowatch.png", "watched")) == {
        "File:Nowatch.png": {"watched": False}}


def _poll(client: ApiClient, key: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        reply = client.post(action="upload", checkstatus="1", filekey=key, token=client.csrf)
        if reply.get("upload", {}).get("result") != "Poll" or time.monotonic() > deadline:
            return reply
        time.sleep(0.05)


def test_async_publish_watches(uploader: ApiClient, admin: ApiClient, job_worker: Any) -> None:
    key = uploader.upload("Asyncwatch.png", media.png("aw"), stash="1")["upload"]["filekey"]
    uploader.post(action="upload", filename="Asyncwatch.png", filekey=key, watchlist="watch",
                  token=uploader.csrf, **{"async": "1"})
    assert _poll(uploader, key)["upload"]["result"] == "Success"
    assert watch_facts(info(admin, "File:Asyncwatch.png", "watchers")) == {
        "File:Asyncwatch.png": {"watchers": 1}}


# -- watchlist expiry (off in MediaWiki by default) --------------------------------------------

EXPIRY = {"watchlist_expiry": True}


@pytest.mark.parametrize("wiki_settings", [EXPIRY])
def test_upload_with_expiry(uploader_main: ApiClient) -> None:
    before = datetime.now(UTC)
    reply = uploader_main.upload("Temp.png", media.png("temp"), watchlistexpiry="1 week")
    assert "warnings" not in reply
    [page] = info(uploader_main, "File:Temp.png", "watched")
    expiry = datetime.strptime(page["watchlistexpiry"], "%Y-%m-%dT%H:%M:%SZ")
    week = before.replace(tzinfo=None, microsecond=0) + timedelta(weeks=1)
    assert week <= expiry <= week + timedelta(seconds=5)


@pytest.mark.parametrize("wiki_settings", [EXPIRY])
def test_watch_with_expiry(plain: ApiClient, api_url: str) -> None:
    reply = watch(plain, A, expiry="infinite")
    assert reply["watch"] == [{"title": A, "ns": 0, "expiry": "infinity", "watched": "",
                               "missing": ""}]
    assert "watchlistexpiry" not in info(plain, A, "watched")[0]
    capped = watch(plain, A, expiry="1 year")
    assert capped["warnings"]["watch"] == {"*": (
        "Given value \"1 year\" for parameter \"expiry\" exceeds the maximum of "
        "\"6 months\". Using maximum instead.")}
    assert watch(plain, A, expiry="2001-01-01T00:00:00Z") == error_of(
        api_url, "badexpiry-past",
        "Value \"2001-01-01T00:00:00Z\" for expiry parameter \"expiry\" is in the past.")
    assert watch(plain, A, expiry="soon")["error"]["code"] == "badexpiry"


@pytest.mark.parametrize("wiki_settings", [EXPIRY])
def test_expired_watches_are_gone(wiki: Wiki, plain: ApiClient) -> None:
    watch(plain, A, expiry="1 day")
    with wiki.db() as db:
        for row in db.scalars(select(Watch)):
            row.expiry = datetime.now(UTC) - timedelta(seconds=1)
        db.commit()
    assert info(plain, A, "watched")[0]["watched"] is False
    assert raw(plain)["watchlistraw"] == []
    watch(plain, A)
    assert info(plain, A, "watched")[0]["watched"] is True


@pytest.mark.parametrize("wiki_settings", [EXPIRY])
def test_watching_again_without_expiry_keeps_the_expiry(wiki: Wiki, plain: ApiClient) -> None:
    watch(plain, A, expiry="1 week")
    expiry = info(plain, A, "watched")[0]["watchlistexpiry"]
    watch(plain, A)
    assert info(plain, A, "watched")[0]["watchlistexpiry"] == expiry
    assert info(plain, f"Talk:{A}", "watched")[0]["watchlistexpiry"] == expiry
    watch(plain, A, expiry="infinite")
    assert [p.get("watchlistexpiry") for p in info(plain, f"{A}|Talk:{A}", "watched")] == [
        None, None]
    with wiki.db() as db:     # one row each for the page and its talk page, whatever came
        assert sorted((w.namespace, w.title) for w in db.scalars(select(Watch))
                      if w.title == A.replace(" ", "_")) == [(0, "Watch_A"), (1, "Watch_A")]
