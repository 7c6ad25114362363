"""list=logevents and list=filearchive over HTTP, shaped as the reference wiki answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.history_helpers import (
    delete,
    history,
    log_events,
    page_id,
    sha1,
    undelete,
    upload_versions,
)
from tests.support import ApiClient, error_of
from wikiupload.filerepo.repo import sha1_base36
from wikiupload.wiki import Wiki


def _uploads(client: ApiClient, **params: Any) -> dict[str, Any]:
    return client.get(action="query", list="logevents", letype="upload", **params)


def test_upload_entries_fv1_and_fv2(uploader: ApiClient, anon: ApiClient, wiki: Wiki) -> None:
    """Capture logevents_upload: newest first, default props, upload params."""
    first = upload_versions(uploader, "Logged-a.png", 1)[0]
    second = upload_versions(uploader, "Logged-b.png", 1)[0]
    stamps = {name: history(uploader, name, "timestamp")["imageinfo"][0]["timestamp"]
              for name in ("Logged-a.png", "Logged-b.png")}
    reply = _uploads(anon)
    entries = reply["query"]["logevents"]
    assert reply["batchcomplete"] == ""
    expected = []
    for name, data in (("Logged-b.png", second), ("Logged-a.png", first)):
        pid = page_id(wiki, f"File:{name}")
        expected.append({"ns": 6, "title": f"File:{name}", "pageid": pid, "logpage": pid,
                         "params": {"img_sha1": sha1_base36(sha1(data)),
                                    "img_timestamp": stamps[name]},
                         "type": "upload", "action": "upload", "user": "Uploader",
                         "timestamp": stamps[name], "comment": "v1"})
    assert [{k: v for k, v in e.items() if k != "logid"} for e in entries] == expected
    assert [list(e) for e in entries] == [["logid", *expected[0]]] * 2
    assert entries[0]["logid"] > entries[1]["logid"]
    fv2 = _uploads(anon, formatversion="2")
    assert fv2["batchcomplete"] is True and fv2["query"] == reply["query"]


def test_all_props(uploader: ApiClient) -> None:
    upload_versions(uploader, "Props.png", 1)
    entry = log_events(uploader, letype="upload", leprop="ids|title|type|user|userid|timestamp"
                       "|comment|parsedcomment|details|tags")[0]
    assert list(entry) == ["logid", "ns", "title", "pageid", "logpage", "params", "type",
                           "action", "user", "userid", "timestamp", "comment",
                           "parsedcomment", "tags"]
    assert (entry["userid"], entry["parsedcomment"], entry["tags"]) == (2, "v1", [])


def test_selected_and_empty_props(uploader: ApiClient) -> None:
    upload_versions(uploader, "Few.png", 1)
    assert log_events(uploader, letype="upload", leprop="") == [{}]
    assert log_events(uploader, letype="upload", leprop="userid") == [{"userid": 2}]
    assert log_events(uploader, letype="upload", leprop="ids|type")[0].keys() == {
        "logid", "pageid", "logpage", "type", "action"}


def test_continuation(uploader: ApiClient) -> None:
    upload_versions(uploader, "Cont.png", 3)
    every = [e["logid"] for e in _uploads(uploader, leprop="ids")["query"]["logevents"]]
    assert len(every) == 3 and every == sorted(every, reverse=True)
    first = _uploads(uploader, lelimit="1", leprop="ids|timestamp")
    entry = first["query"]["logevents"][0]
    assert entry["logid"] == every[0]
    assert first["continue"]["continue"] == "-||"
    stamp, log_id = first["continue"]["lecontinue"].split("|")
    assert len(stamp) == 14 and int(log_id) == every[1]
    rest = _uploads(uploader, lelimit="5", leprop="ids", lecontinue=first["continue"][
        "lecontinue"], **{"continue": first["continue"]["continue"]})
    assert [e["logid"] for e in rest["query"]["logevents"]] == every[1:]
    assert "continue" not in rest
    newer = _uploads(uploader, ledir="newer", leprop="ids|type")["query"]["logevents"]
    assert [e["action"] for e in newer] == ["upload", "overwrite", "overwrite"]


def test_actions_and_filters(uploader: ApiClient, admin: ApiClient) -> None:
    upload_versions(uploader, "Filter.png", 2)
    delete(admin, "File:Filter.png", reason="x")
    undelete(admin, "File:Filter.png", reason="y")
    overwrite = log_events(uploader, leaction="upload/overwrite", leprop="type")
    assert overwrite == [{"type": "upload", "action": "overwrite"}]
    both = log_events(uploader, letype="delete", leaction="upload/upload", leprop="type")
    assert both == [{"type": "upload", "action": "upload"}]
    assert [e["user"] for e in log_events(uploader, leuser="admin", leprop="user")] == \
        ["Admin", "Admin"]
    restore = log_events(uploader, leaction="delete/restore", leprop="details")
    assert restore == [{"params": {"count": {"revisions": 2, "files": 2}}}]
    # upload, create (the description page), overwrite, delete, restore
    assert len(log_events(uploader, lenamespace="6", leprop="ids")) == 5
    assert log_events(uploader, lenamespace="0", leprop="ids") == []
    assert len(log_events(uploader, leprefix="File:Filt", leprop="ids")) == 5
    assert log_events(uploader, letag="foo") == []
    assert log_events(uploader, leuser="127.0.0.1") == []
    assert log_events(uploader, lestart="2000-01-01T00:00:00Z") == []
    assert len(log_events(uploader, leend="2000-01-01T00:00:00Z", leprop="ids")) == 5


def test_deleted_page_ids(uploader: ApiClient, admin: ApiClient, wiki: Wiki) -> None:
    upload_versions(uploader, "Pid.png", 1)
    pid = page_id(wiki, "File:Pid.png")
    delete(admin, "File:Pid.png")
    ids = log_events(admin, letitle="File:Pid.png", leprop="ids|type")
    assert [(e["action"], e["pageid"], e["logpage"]) for e in ids] == [
        ("delete", 0, pid), ("create", 0, pid), ("upload", 0, pid)]


@pytest.mark.parametrize(("params", "code", "info"), [
    ({"leaction": "foo"}, "unknown_leaction", "Unrecognized value for parameter \"leaction\": "
                                              "foo."),
    ({"leaction": "upload/foo"}, "unknown_leaction",
     "Unrecognized value for parameter \"leaction\": upload/foo."),
    ({"letype": "bogus"}, "badvalue", "Unrecognized value for parameter \"letype\": bogus."),
    ({"letitle": "Bad|x"}, "invalidtitle", "Bad title \"Bad|x\"."),
    ({"letitle": "File:X.png", "leprefix": "X"}, "invalidparammix",
     "The parameters \"letitle\" and \"leprefix\" can not be used together."),
    ({"letitle": "File:X.png", "leprefix": "X", "lenamespace": "6"}, "invalidparammix",
     "The parameters \"letitle\", \"lenamespace\" and \"leprefix\" can not be used together."),
    ({"lenamespace": "99"}, "badvalue", "Unrecognized value for parameter \"lenamespace\": 99."),
    ({"leuser": "Bad|User"}, "baduser",
     "Invalid value \"Bad|User\" for user parameter \"leuser\"."),
    ({"lecontinue": "bad"}, "badcontinue", "Invalid continue param. You should pass the "
                                           "original value returned by the previous query."),
    ({"lecontinue": "20261122030000|x"}, "badcontinue", "Invalid continue param. You should "
     "pass the original value returned by the previous query."),
])
def test_parameter_errors(anon: ApiClient, api_url: str, params: dict[str, Any], code: str,
                          info: str) -> None:
    reply = anon.get(action="query", list="logevents", **params)
    assert reply == error_of(api_url, code, info)


def test_limits_and_warnings(anon: ApiClient) -> None:
    reply = anon.get(action="query", list="logevents", lelimit="max", leprop="ids",
                     letype="patrol")
    assert reply == {"batchcomplete": "", "limits": {"logevents": 500},
                     "query": {"logevents": []}}
    reply = anon.get(action="query", list="logevents", leprop="ids|foo", letype="patrol")
    assert reply["warnings"] == {"logevents": {
        "*": "Unrecognized value for parameter \"leprop\": foo"}}


# -- list=filearchive -----------------------------------------------------------------------

def test_filearchive_listing(uploader: ApiClient, admin: ApiClient, plain: ApiClient,
                             api_url: str) -> None:
    versions = upload_versions(uploader, "Arch.png", 3)
    names = [v.get("archivename") for v in history(uploader, "Arch.png")["imageinfo"]]
    delete(admin, "File:Arch.png", reason="gone")
    reply = admin.get(action="query", list="filearchive", faprop="sha1|timestamp|user|size|"
                      "dimensions|description|mime|mediatype|bitdepth|archivename")
    rows = reply["query"]["filearchive"]
    assert [r["sha1"] for r in rows] == [sha1(v) for v in versions]
    assert [r.get("archivename") for r in rows] == [names[2], names[1], None]
    assert list(rows[0]) == ["id", "name", "ns", "title", "description", "userid", "user",
                             "sha1", "timestamp", "size", "height", "width", "mediatype",
                             "bitdepth", "mime", "archivename"]
    assert (rows[0]["size"], rows[0]["width"], rows[0]["bitdepth"]) == (
        str(len(versions[0])), "9", "8")
    assert rows[0]["description"] == "v1" and rows[0]["title"] == "File:Arch.png"
    page = admin.get(action="query", list="filearchive", falimit="1")
    assert page["continue"]["facontinue"].startswith("Arch.png|")
    assert plain.get(action="query", list="filearchive", faprop="description") == error_of(
        api_url, "permissiondenied",
        "You don't have permission to view descriptions of deleted files.")
    assert plain.get(action="query", list="filearchive", faprop="metadata") == error_of(
        api_url, "permissiondenied",
        "You don't have permission to view metadata of deleted files.")
    by_hash = admin.get(action="query", list="filearchive", fasha1=sha1(versions[1]))
    assert [r["id"] for r in by_hash["query"]["filearchive"]] == [rows[1]["id"]]
    assert admin.get(action="query", list="filearchive", fasha1="xyz")["error"]["code"] == \
        "invalidsha1hash"


def test_filearchive_metadata(uploader: ApiClient, admin: ApiClient) -> None:
    upload_versions(uploader, "Meta.png", 1)
    before = uploader.get(action="query", prop="imageinfo", titles="File:Meta.png",
                          iiprop="metadata", formatversion="2")
    delete(admin, "File:Meta.png")
    rows = admin.get(action="query", list="filearchive", faprop="metadata",
                     formatversion="2")["query"]["filearchive"]
    assert rows[0]["metadata"] == before["query"]["pages"][0]["imageinfo"][0]["metadata"]
