"""action=filerevert over HTTP: a copy of an old version becomes the current one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.history_helpers import (
    UPLOADERS_ONLY,
    history,
    log_events,
    served,
    sha1,
    upload_versions,
)
from tests.support import ApiClient, error_of
from wikiupload.filerepo.repo import sha1_base36


def _revert(client: ApiClient, **params: Any) -> dict[str, Any]:
    return client.post(action="filerevert", token=client.csrf or "+\\", **params)


def test_revert_makes_a_new_version(uploader: ApiClient, admin: ApiClient) -> None:
    versions = upload_versions(uploader, "Rev.png", 2)
    before = history(uploader, "Rev.png")["imageinfo"]
    reply = _revert(admin, filename="Rev.png", archivename=before[1]["archivename"],
                    comment=" back to v1 ")
    assert reply == {"filerevert": {"result": "Success"}}
    after = history(uploader, "Rev.png")["imageinfo"]
    assert len(after) == 3 and after[1:] == [
        {**before[0], "archivename": after[1]["archivename"], "url": after[1]["url"]},
        before[1]]
    current = after[0]
    assert (current["sha1"], current["user"], current["comment"]) == (
        sha1(versions[0]), "Admin", "back to v1")
    assert current["size"] == before[1]["size"]
    assert served(current["url"]).content == versions[0]
    assert served(after[1]["url"]).content == versions[1]
    entry = log_events(admin, letype="upload", letitle="File:Rev.png", lelimit="1",
                       leprop="type|user|comment|details")
    assert entry == [{"params": {"img_sha1": sha1_base36(sha1(versions[0])),
                                 "img_timestamp": current["timestamp"]},
                      "type": "upload", "action": "overwrite", "user": "Admin",
                      "comment": "back to v1"}]


def test_revert_to_the_current_content_fails(uploader: ApiClient) -> None:
    upload_versions(uploader, "Same.png", 2)
    old = history(uploader, "Same.png")["imageinfo"][1]["archivename"]
    assert _revert(uploader, filename="Same.png", archivename=old)["filerevert"]["result"] == \
        "Success"
    reply = _revert(uploader, filename="Same.png", archivename=old, comment="noop")
    assert reply == {"filerevert": {"result": "Failure", "errors": [{
        "message": "fileexists-no-change", "params": ["File:Same.png"],
        "code": "fileexists-no-change", "type": "error"}]}}
    fv2 = uploader.post(action="filerevert", filename="Same.png", archivename=old,
                        token=uploader.csrf, formatversion="2")
    assert fv2 == reply
    assert len(history(uploader, "Same.png")["imageinfo"]) == 3


@pytest.mark.parametrize(("params", "code", "info"), [
    ({"filename": "Errs.png", "archivename": "20000101000000!Errs.png"},
     "filerevert-badversion",
     "There is no previous local version of this file with the provided timestamp."),
    ({"filename": "Errs.png", "archivename": "garbage"}, "filerevert-badversion",
     "There is no previous local version of this file with the provided timestamp."),
    ({"filename": "Errs.png"}, "missingparam", "The \"archivename\" parameter must be set."),
    ({"archivename": "x"}, "missingparam", "The \"filename\" parameter must be set."),
    ({"filename": "", "archivename": "x"}, "missingparam",
     "The \"filename\" parameter must be set."),
    ({"filename": "Nope.png", "archivename": "x"}, "missingtitle",
     "The page you specified doesn't exist."),
    ({"filename": "File:Errs.png", "archivename": "x"}, "missingtitle",
     "The page you specified doesn't exist."),
    ({"filename": "Bad|name.png", "archivename": "x"}, "invalidtitle",
     "Bad title \"Bad|name.png\"."),
])
def test_errors(uploader: ApiClient, api_url: str, params: dict[str, Any], code: str,
                info: str) -> None:
    upload_versions(uploader, "Errs.png", 2)
    assert _revert(uploader, **params) == error_of(api_url, code, info)


@pytest.mark.parametrize("who", ["plain", "anon"])
def test_rights(who: str, request: pytest.FixtureRequest, uploader: ApiClient,
                api_url: str) -> None:
    upload_versions(uploader, "Guarded.png", 2)
    old = history(uploader, "Guarded.png")["imageinfo"][1]["archivename"]
    client: ApiClient = request.getfixturevalue(who)
    reply = _revert(client, filename="Guarded.png", archivename=old)
    assert reply == error_of(api_url, "permissiondenied", UPLOADERS_ONLY)


def test_token_must_be_posted(uploader: ApiClient, api_url: str) -> None:
    reply = uploader.get(action="filerevert", filename="X.png", archivename="x",
                         token=uploader.csrf)
    assert reply == error_of(api_url, "mustpostparams", "The following parameter was found "
                             "in the query string, but must be in the POST body: token.")
