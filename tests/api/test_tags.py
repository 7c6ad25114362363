"""Change tags: list=tags and tags= on uploads, as the reference MediaWiki 1.39 answers
(captured with a tag created by Special:Tags, applied, deactivated and deleted)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import media_samples as media
from tests.conftest import REFERENCE_CONFIG, populate
from tests.support import Accounts, ApiClient, error_of
from wikiupload.db.watch_models import ChangeTagDef
from wikiupload.wiki import Wiki

TAG = "wikiupload-cap"
ALL_PROPS = "displayname|description|hitcount|defined|source|active"


def software(name: str, displayname: str, description: str) -> dict[str, Any]:
    return {"name": name, "displayname": displayname, "description": description,
            "hitcount": 0, "defined": True, "source": ["extension"], "active": True}


BLANK = software("mw-blank", "Blanking", "Edits that blank a page")
REDIRECT_TARGET = software("mw-changed-redirect-target", "Redirect target changed",
                           "Edits that change the target of a redirect")
CONTENT_MODEL = software(
    "mw-contentmodelchange", "content model change",
    "Edits that [https://www.mediawiki.org/wiki/Special:MyLanguage/Help:ChangeContentModel "
    "change the content model] of a page")


@pytest.fixture
def wiki_settings() -> dict[str, Any]:
    return {"change_tags": [TAG]}


@pytest.fixture
def wiki(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts,
         wiki_settings: dict[str, Any]) -> Wiki:
    built: Wiki = wiki_factory(**wiki_settings)
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    return built


def tags(client: ApiClient, **params: Any) -> dict[str, Any]:
    return client.get(action="query", list="tags", **params)


# -- list=tags ---------------------------------------------------------------------------------

def test_software_tags_first_page_fv2(anon: ApiClient) -> None:
    reply = tags(anon, tgprop=ALL_PROPS, tglimit="3", formatversion="2")
    assert reply == {"batchcomplete": True,
                     "continue": {"tgcontinue": "mw-manual-revert", "continue": "-||"},
                     "query": {"tags": [BLANK, REDIRECT_TARGET, CONTENT_MODEL]}}


def test_fv1_booleans(anon: ApiClient) -> None:
    reply = tags(anon, tgprop=ALL_PROPS, tglimit="2")
    fv1 = [dict(tag, defined="", active="") for tag in (BLANK, REDIRECT_TARGET)]
    assert reply == {"batchcomplete": "",
                     "continue": {"tgcontinue": "mw-contentmodelchange", "continue": "-||"},
                     "query": {"tags": fv1}}


def test_continuation_and_names_only(anon: ApiClient) -> None:
    reply = tags(anon, tglimit="2", tgcontinue="mw-new-redirect")
    assert reply == {"batchcomplete": "",
                     "continue": {"tgcontinue": "mw-replace", "continue": "-||"},
                     "query": {"tags": [{"name": "mw-new-redirect"},
                                        {"name": "mw-removed-redirect"}]}}
    past = tags(anon, tglimit="2", tgcontinue="wz")
    assert past == {"batchcomplete": "", "query": {"tags": []}}


def test_limit_out_of_range_and_max(anon: ApiClient) -> None:
    reply = tags(anon, tglimit="0")
    assert reply["warnings"] == {"tags": {
        "*": "The value \"0\" for parameter \"tglimit\" must be between 1 and 500."}}
    assert reply["query"]["tags"] == [{"name": "mw-blank"}]
    assert reply["continue"]["tgcontinue"] == "mw-changed-redirect-target"
    every = tags(anon, tglimit="max", tgcontinue="mw-u")
    assert every == {"batchcomplete": "", "limits": {"tags": 500},
                     "query": {"tags": [{"name": "mw-undo"}, {"name": TAG}]}}


def test_defined_tag_listed_as_manual(anon: ApiClient) -> None:
    reply = tags(anon, tgprop=ALL_PROPS, tgcontinue="w", formatversion="2")
    assert reply["query"]["tags"] == [{
        "name": TAG, "displayname": TAG, "description": "", "hitcount": 0, "defined": True,
        "source": ["manual"], "active": True}]


@pytest.mark.parametrize("wiki_settings", [{"change_tags": [TAG], "change_tag_messages": {
    f"tag-{TAG}": "Cap <b>tag</b>", f"tag-{TAG}-description": "Uploads by [[Cap]]",
    "tag-mw-undo": "-"}}])
def test_tag_messages_from_settings(anon: ApiClient) -> None:
    reply = tags(anon, tgprop="displayname|description", tgcontinue="mw-u",
                 formatversion="2")
    assert reply["query"]["tags"] == [
        {"name": "mw-undo", "displayname": False,
         "description": "Edits that undo previous edits using the undo link"},
        {"name": TAG, "displayname": "Cap &lt;b&gt;tag&lt;/b&gt;",
         "description": "Uploads by [[Cap]]"}]


def test_used_tag_no_longer_defined(wiki: Wiki, anon: ApiClient) -> None:
    with wiki.db() as db:
        db.add(ChangeTagDef(name="old-tag", count=2))
        db.commit()
    reply = tags(anon, tgprop="hitcount|defined|source|active|displayname", tgcontinue="o",
                 formatversion="2")
    assert reply["query"]["tags"][0] == {"name": "old-tag", "displayname": "old-tag",
                                         "hitcount": 2, "defined": False, "source": [],
                                         "active": False}


# -- tags= on uploads ---------------------------------------------------------------------------

def test_tagged_upload_and_reupload(uploader: ApiClient) -> None:
    name = "Tagged.png"
    first = uploader.upload(name, media.png("tagged"), "image/png", tags=TAG,
                            comment="tagged upload")
    assert first["upload"]["result"] == "Success"
    assert _hits(uploader) == 1
    log = uploader.get(action="query", list="logevents", letype="upload",
                       letitle=f"File:{name}", leprop="tags|type", formatversion="2")
    assert log["query"]["logevents"] == [{"type": "upload", "action": "upload",
                                          "tags": [TAG]}]
    again = uploader.upload(name, media.png("tagged2"), "image/png", tags=TAG,
                            comment="tagged reupload", ignorewarnings="1")
    assert again["upload"]["result"] == "Success"
    assert _hits(uploader) == 2
    revisions = uploader.get(action="query", prop="revisions", titles=f"File:{name}",
                             rvprop="tags", rvlimit="5", formatversion="2")
    assert [r["tags"] for r in revisions["query"]["pages"][0]["revisions"]] == [[TAG], [TAG]]


def _hits(client: ApiClient) -> int:
    reply = tags(client, tgprop="hitcount", tgcontinue="w", formatversion="2")
    return int(reply["query"]["tags"][0]["hitcount"])


def test_undefined_tag_transcript(uploader: ApiClient, api_url: str) -> None:
    """upload_tags_undefined.json."""
    reply = uploader.upload("Tags.png", media.png("tags"), "image/png", tags="no-such-tag")
    assert reply == error_of(api_url, "badtags",
                             "The tag \"no-such-tag\" is not allowed to be manually applied.",
                             disallowedtags=["no-such-tag"])


def test_only_refused_tags_are_named(uploader: ApiClient, api_url: str) -> None:
    reply = uploader.upload("Multi.png", media.png("multi"), "image/png",
                            tags=f"nope-a|{TAG}|nope-b")
    assert reply == error_of(
        api_url, "badtags",
        "The following tags are not allowed to be manually applied: nope-a, nope-b",
        disallowedtags=["nope-a", "nope-b"])


def test_software_tags_cannot_be_applied(uploader: ApiClient) -> None:
    reply = uploader.upload("Soft.png", media.png("soft"), "image/png", tags="mw-blank")
    assert reply["error"]["code"] == "badtags"
    assert reply["error"]["disallowedtags"] == ["mw-blank"]


def test_tags_are_checked_before_the_file_name(uploader: ApiClient) -> None:
    reply = uploader.post(action="upload", filename="", tags="nope-a|nope-b", stash="1",
                          token=uploader.csrf)
    assert reply["error"]["code"] == "badtags"
    assert reply["error"]["disallowedtags"] == ["nope-a", "nope-b"]


NO_APPLY = {"change_tags": [TAG], "group_permissions": {
    **REFERENCE_CONFIG["group_permissions"],
    "user": {**REFERENCE_CONFIG["group_permissions"]["user"], "applychangetags": False}}}


@pytest.mark.parametrize("wiki_settings", [NO_APPLY])
def test_applying_needs_the_right(uploader: ApiClient, api_url: str) -> None:
    stashed = uploader.upload("Right.png", media.png("right"), "image/png", tags=TAG,
                              stash="1")
    assert stashed["upload"]["result"] == "Success"       # no change made: nothing to tag
    reply = uploader.upload("Right.png", media.png("right"), "image/png", tags=TAG)
    assert reply == error_of(
        api_url, "tags-apply-no-permission",
        "You do not have permission to apply change tags along with your changes.")
    assert uploader.get(action="query", titles="File:Right.png", formatversion="2",
                        )["query"]["pages"][0]["missing"] is True
