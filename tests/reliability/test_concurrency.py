"""Many clients writing at once end consistent: one current version, every version in the
history under its own archive name, each filekey published once, no deadlock and (on
SQLite) never "database is locked". Every test ends with ``check`` finding nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.clients.media import make_png
from tests.reliability.workload import is_clean_error
from tests.support import ApiClient
from wikiupload.maintenance.check import check_repository
from wikiupload.wiki import Wiki

THREADS = 8


def _in_parallel(count: int, task: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(task, range(count), timeout=120))


def _history(client: ApiClient, name: str) -> list[dict[str, Any]]:
    reply = client.get(action="query", prop="imageinfo", titles=f"File:{name}",
                       iiprop="sha1|timestamp|archivename", iilimit="max", formatversion="2")
    return list(reply["query"]["pages"][0].get("imageinfo", []))


def _assert_clean(wiki: Wiki) -> None:
    report = check_repository(wiki, min_age=0)
    assert report.problems == [], report.to_json()


def test_same_name_reuploaded_at_once(busy_wiki: Wiki, sysop_clients: Any) -> None:
    clients = [sysop_clients() for _ in range(THREADS)]
    contents = [make_png(f"same-name-{i}") for i in range(THREADS)]

    def upload(i: int) -> dict[str, Any]:
        return clients[i].upload("Contended.png", contents[i], "image/png",
                                 ignorewarnings="1", comment=f"version {i}")

    replies = _in_parallel(THREADS, upload)
    assert [reply["upload"]["result"] for reply in replies] == ["Success"] * THREADS
    history = _history(clients[0], "Contended.png")
    assert sorted(entry["sha1"] for entry in history) == sorted(
        hashlib.sha1(data).hexdigest() for data in contents)
    archive_names = [entry["archivename"] for entry in history[1:]]
    assert len(set(archive_names)) == THREADS - 1
    stamps = [entry["timestamp"] for entry in history]
    assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == THREADS
    _assert_clean(busy_wiki)


def test_reuploads_within_one_second_all_succeed(busy_wiki: Wiki, sysop_clients: Any) -> None:
    client = sysop_clients()
    for i in range(5):
        reply = client.upload("Quick.png", make_png(f"quick-{i}"), "image/png",
                              ignorewarnings="1")
        assert reply["upload"]["result"] == "Success", reply
    history = _history(client, "Quick.png")
    assert len(history) == 5
    assert len({entry["archivename"] for entry in history[1:]}) == 4
    _assert_clean(busy_wiki)


def test_distinct_names_at_once(busy_wiki: Wiki, sysop_clients: Any) -> None:
    clients = [sysop_clients() for _ in range(THREADS)]

    def upload(i: int) -> dict[str, Any]:
        return clients[i].upload(f"Parallel-{i}.png", make_png(f"parallel-{i}"), "image/png")

    replies = _in_parallel(THREADS, upload)
    assert all(reply["upload"]["result"] == "Success" for reply in replies), replies
    report = check_repository(busy_wiki, min_age=0)
    assert report.checked["image"] == THREADS and report.problems == []


def test_same_content_under_many_names(busy_wiki: Wiki, sysop_clients: Any) -> None:
    clients = [sysop_clients() for _ in range(THREADS)]
    data = make_png("shared-content")

    def upload(i: int) -> dict[str, Any]:
        return clients[i].upload(f"Copy-{i}.png", data, "image/png", ignorewarnings="1")

    replies = _in_parallel(THREADS, upload)
    assert all(reply["upload"]["result"] == "Success" for reply in replies), replies
    found = clients[0].get(action="query", list="allimages", aisha1=hashlib.sha1(data)
                           .hexdigest(), formatversion="2")
    assert len(found["query"]["allimages"]) == THREADS
    _assert_clean(busy_wiki)


def test_one_filekey_published_by_many_at_once(busy_wiki: Wiki, sysop_clients: Any) -> None:
    clients = [sysop_clients() for _ in range(THREADS)]
    data = make_png("one-filekey")
    key = clients[0].upload("Once.png", data, "image/png", stash="1")["upload"]["filekey"]

    def publish(i: int) -> dict[str, Any]:
        return clients[i].post(action="upload", filename=f"Once-{i}.png", filekey=key,
                               ignorewarnings="1", token=clients[i].csrf)

    replies = _in_parallel(THREADS, publish)
    winners = [reply for reply in replies if reply.get("upload", {}).get("result") == "Success"]
    assert len(winners) == 1, replies
    losers = [reply for reply in replies if reply not in winners]
    assert all(is_clean_error(reply) for reply in losers), losers
    assert {reply["error"]["code"] for reply in losers} <= {
        "uploadstash-file-not-found", "uploadstash-bad-path"}
    report = check_repository(busy_wiki, min_age=0)
    assert report.checked["image"] == 1 and report.checked["uploadstash"] == 0
    assert report.problems == []


def test_one_chunk_sent_by_many_at_once(busy_wiki: Wiki, sysop_clients: Any) -> None:
    """The same next chunk from several connections: appended once, the others are
    accepted as resends or refused with the session's offset; the file is intact."""
    clients = [sysop_clients() for _ in range(THREADS)]
    data = make_png("racing-chunks", size=(120, 80), noise=True)
    size = 8192
    first = clients[0].chunk("Racing.png", data[:size], 0, len(data))["upload"]
    key = first["filekey"]

    def second(i: int) -> dict[str, Any]:
        return clients[i].chunk("Racing.png", data[size:2 * size], size, len(data), key)

    replies = _in_parallel(THREADS, second)
    for reply in replies:
        if "error" in reply:
            assert reply["error"]["code"] == "stashfailed", reply
        else:
            assert reply["upload"] == {"result": "Continue", "filekey": key,
                                       "offset": 2 * size}
    offset, done = 2 * size, {}
    while offset < len(data):
        done = clients[0].chunk("Racing.png", data[offset:offset + size], offset, len(data),
                                key)["upload"]
        offset = done.get("offset", len(data))
    info = clients[0].get(action="query", prop="stashimageinfo", siifilekey=done["filekey"],
                          siiprop="sha1", formatversion="2")
    assert info["query"]["stashimageinfo"][0]["sha1"] == hashlib.sha1(data).hexdigest()
    _assert_clean(busy_wiki)
