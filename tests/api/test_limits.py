"""Limits and abuse over HTTP: $wgRateLimits on action=upload (counted in the database, so
shared by server processes), the noratelimit right, concurrent-upload slots, the stash
quota, the filesize of chunked uploads, and bodies that are too large or too slow."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
import uvicorn

from tests import media_samples as media
from tests.conftest import ADMIN_BOT_PASSWORD, REFERENCE_CONFIG, UPLOADER_BOT_PASSWORD, populate
from tests.support import Accounts, ApiClient, error_of
from wikiupload.auth import counters, ratelimits
from wikiupload.auth.users import Principal
from wikiupload.db.limit_models import UploadLease
from wikiupload.http.guard import guarded_protocol
from wikiupload.wiki import Wiki

RATELIMITED = "You've exceeded your rate limit. Please wait some time and try again."
# The reference groups, with the implicit autoconfirmed group stripped of its right: every
# account is then a "newbie" as in a wiki with $wgAutoConfirmAge set.
NEWBIE_PERMISSIONS = {**REFERENCE_CONFIG["group_permissions"],
                      "autoconfirmed": {"autoconfirmed": False}}

Served = Callable[..., Wiki]


@pytest.fixture
def served(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts) -> Served:
    """Build a wiki with setting overrides, with the reference accounts, and serve it."""
    def build(**overrides: Any) -> Wiki:
        built: Wiki = wiki_factory(**overrides)
        populate(built, accounts)
        app_holder["app"].state.wiki = built
        return built
    return build


@pytest.fixture
def clients(api_url: str) -> Iterator[Callable[[str, str], ApiClient]]:
    made: list[ApiClient] = []

    def login(name: str, password: str) -> ApiClient:
        client = ApiClient(api_url)
        client.login(name, password)
        made.append(client)
        return client
    yield login
    for client in made:
        client.close()


def _upload(client: ApiClient, name: str, **params: Any) -> dict[str, Any]:
    return client.upload(name, media.png(name), **params)


# -- $wgRateLimits --------------------------------------------------------------------------

def test_newbie_upload_limit_gives_ratelimited(served: Served, clients: Any,
                                                api_url: str) -> None:
    served(group_permissions=NEWBIE_PERMISSIONS, rate_limits={"upload": {"newbie": [2, 60]}})
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    limits = uploader.get(action="query", meta="userinfo", uiprop="ratelimits")
    assert limits["query"]["userinfo"]["ratelimits"]["upload"] == {
        "newbie": {"hits": 2, "seconds": 60}}
    assert _upload(uploader, "One.png")["upload"]["result"] == "Success"
    assert _upload(uploader, "Two.png")["upload"]["result"] == "Success"
    assert _upload(uploader, "Three.png") == error_of(api_url, "ratelimited", RATELIMITED)
    other = uploader.get(action="query", titles="File:Three.png", formatversion="2")
    assert other["query"]["pages"][0].get("missing") is True


def test_stash_chunks_and_warnings_are_not_counted(served: Served, clients: Any,
                                                   api_url: str) -> None:
    """MediaWiki throttles only the publishing step (after warnings, not for stash=1 or
    chunks): stashing is free, publishing the stashed file counts."""
    served(rate_limits={"upload": {"user": [1, 60]}})
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    keys = [_upload(uploader, f"Stash{i}.png", stash="1")["upload"]["filekey"]
            for i in range(3)]
    data = media.png("chunky") + b"\x00" * 3000
    replies = uploader.chunked("Chunky.png", data, 1024)
    assert replies[-1]["upload"]["result"] == "Success"
    warned = _upload(uploader, "DSC_0001.png")
    assert warned["upload"]["result"] == "Warning"          # bad-prefix: not counted
    published = uploader.post(action="upload", filename="Stash0.png", filekey=keys[0],
                              token=uploader.csrf)
    assert published["upload"]["result"] == "Success"
    again = uploader.post(action="upload", filename="Stash1.png", filekey=keys[1],
                          token=uploader.csrf)
    assert again == error_of(api_url, "ratelimited", RATELIMITED)


def test_noratelimit_right_exempts(served: Served, clients: Any) -> None:
    served(rate_limits={"upload": {"user": [1, 60]}})
    admin = clients("Admin@bot", ADMIN_BOT_PASSWORD)          # sysop: noratelimit
    for index in range(3):
        assert _upload(admin, f"Admin{index}.png")["upload"]["result"] == "Success"
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    assert _upload(uploader, "First.png")["upload"]["result"] == "Success"
    assert _upload(uploader, "Second.png")["error"]["code"] == "ratelimited"


def test_empty_table_turns_the_limit_off(served: Served, clients: Any) -> None:
    served(group_permissions=NEWBIE_PERMISSIONS, rate_limits={"upload": {}})
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    for index in range(10):     # the default table would allow 8 per minute to a newbie
        assert _upload(uploader, f"Free{index}.png")["upload"]["result"] == "Success"


def test_counters_are_shared_through_the_database(served: Served, clients: Any) -> None:
    """Another server process (its own engine on the same database) counted hits first."""
    wiki = served(rate_limits={"upload": {"user": [3, 60]}})
    other = Wiki.open(wiki.settings, migrate_schema=False)
    try:
        with other.db() as db:
            user = Principal(2, "Uploader", ("uploader",), ("upload", "autoconfirmed"))
            for _ in range(3):
                assert not ratelimits.ping(db, user, "10.1.1.1", "upload", other.settings)
            db.commit()
    finally:
        other.close()
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    assert _upload(uploader, "Late.png")["error"]["code"] == "ratelimited"


def test_window_starts_with_the_first_hit(wiki_factory: Any) -> None:
    wiki = wiki_factory()
    with wiki.db() as db:
        assert [counters.hit(db, "k", 60, now=1000 + i) for i in range(3)] == [1, 2, 3]
        assert counters.hits(db, "k", now=1059) == 3
        assert counters.hits(db, "k", now=1060) == 0
        assert counters.hit(db, "k", 60, now=1060) == 1       # a new window
        assert counters.hit(db, "other", 60, now=1060) == 1
        assert counters.purge_expired(db, now=5000) == 2
        db.commit()


def test_limiter_keys_follow_mediawiki_categories() -> None:
    class Table:
        rate_limits = {"upload": {"ip": [1, 1], "subnet": [2, 1], "newbie": [3, 1],
                                  "user": [4, 1], "bot": [9, 1], "ip-all": [5, 1],
                                  "anon": [6, 1]}}
    anon = Principal(0, "10.0.0.7", (), ("read",))
    keys = {k.key: k.hits for k in ratelimits.limiter_keys(anon, "10.0.0.7", "upload", Table)}
    assert keys == {"limiter:upload:anon": 6, "limiter:upload:ip:10.0.0.7": 1,
                    "limiter:upload:subnet:10.0.0.0/24": 2,
                    "limiter:upload:ip-all:10.0.0.7": 5}
    bot = Principal(3, "B", ("bot",), ("autoconfirmed",))
    keys = {k.key: k.hits for k in ratelimits.limiter_keys(bot, "::1", "upload", Table)}
    assert keys == {"limiter:upload:user:3": 9}   # the most generous group; ip-all is less
    newbie = Principal(4, "N", (), ())
    keys = {k.key: k.hits for k in ratelimits.limiter_keys(newbie, "2001:db8::5", "upload",
                                                            Table)}
    assert keys["limiter:upload:user:4"] == 3
    assert keys["limiter:upload:subnet:2001:db8::/64"] == 2
    exempt = Principal(5, "S", ("sysop",), ("noratelimit",))
    assert ratelimits.limiter_keys(exempt, "10.0.0.7", "upload", Table) == []


# -- concurrent uploads ---------------------------------------------------------------------

def _leases(wiki: Wiki) -> list[UploadLease]:
    with wiki.db() as db:
        return list(db.query(UploadLease).all())


def test_concurrent_upload_slots_hold_across_processes_and_expire(
        served: Served, clients: Any) -> None:
    wiki = served(max_concurrent_uploads_per_user=1, upload_slot_min_size=0)
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    assert _upload(uploader, "Solo.png")["upload"]["result"] == "Success"
    assert _leases(wiki) == []                                # released after success
    assert "error" in _upload(uploader, "Solo.exe")
    assert _leases(wiki) == []                                # and after an error
    with wiki.db() as db:   # another process is uploading for the same user
        lease = counters.acquire_lease(db, "user:2", 1, 3600)
        db.commit()
    busy = _upload(uploader, "Busy.png")
    assert busy["error"]["code"] == "ratelimited"
    assert busy["error"]["info"] == ("You already have 1 upload in progress. Please wait for "
                                     "one to finish and try again.")
    with wiki.db() as db:   # that process died: its lease runs out
        row = db.get(UploadLease, lease)
        assert row is not None
        row.expires = int(time.time()) - 1
        db.commit()
    assert _upload(uploader, "Busy.png")["upload"]["result"] == "Success"
    admin = clients("Admin@bot", ADMIN_BOT_PASSWORD)          # others have their own slots
    with wiki.db() as db:
        counters.acquire_lease(db, "user:2", 1, 3600)
        db.commit()
    assert _upload(admin, "Other.png")["upload"]["result"] == "Success"


def test_a_small_file_takes_no_slot_a_larger_one_does(served: Served, clients: Any) -> None:
    small, large = media.png("under the slot size"), media.png("over the slot size" * 200)
    assert len(small) < len(large)
    wiki = served(max_concurrent_uploads_per_user=1, upload_slot_min_size=len(large))
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    with wiki.db() as db:   # another process is uploading for the same user
        counters.acquire_lease(db, "user:2", 1, 3600)
        db.commit()
    assert uploader.upload("Small.png", small)["upload"]["result"] == "Success"
    stashed = uploader.upload("Stashed.png", media.png("stashed"), stash="1")["upload"]
    assert stashed["result"] == "Success"
    published = uploader.post(action="upload", filename="Stashed.png",
                              filekey=stashed["filekey"], token=uploader.csrf)
    assert published["upload"]["result"] == "Success"      # from the stash: no slot either
    assert uploader.upload("Large.png", large)["error"]["code"] == "ratelimited"
    chunk = uploader.chunk("Chunk.png", small[:100], 0, len(small))
    assert chunk["error"]["code"] == "ratelimited"          # a chunk always takes one
    assert [lease.holder for lease in _leases(wiki)] == ["user:2"]


# -- stash quota ----------------------------------------------------------------------------

def test_stash_quota(served: Served, clients: Any) -> None:
    data = [media.png(f"quota{i}") for i in range(3)]
    quota = len(data[0]) + len(data[1]) + 10
    served(stash_quota_per_user=quota)
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    keys = [uploader.upload(f"Q{i}.png", data[i], stash="1")["upload"]["filekey"]
            for i in range(2)]
    full = uploader.upload("Q2.png", data[2], stash="1")["error"]
    used = len(data[0]) + len(data[1])
    assert full["code"] == "stashquotaexceeded"
    assert (full["quota"], full["used"]) == (quota, used)
    assert full["info"] == (f"Your upload stash is full: it may hold {quota:,} bytes and "
                            f"already holds {used:,}. Publish or remove stashed files first.")
    chunk = uploader.chunk("Big.png", b"\x89PNG" + b"\x00" * 2000, 0, 1_000_000)
    assert chunk["error"]["code"] == "stashquotaexceeded"     # the declared size is reserved
    warned = uploader.upload("DSC_0002.png", data[2])         # warnings without a filekey
    assert warned["upload"]["result"] == "Warning" and "filekey" not in warned["upload"]
    published = uploader.post(action="upload", filename="Q0.png", filekey=keys[0],
                              token=uploader.csrf)
    assert published["upload"]["result"] == "Success"         # publishing frees the space
    assert uploader.upload("Q2.png", data[2], stash="1")["upload"]["result"] == "Success"


# -- filesize of chunked uploads ------------------------------------------------------------

def test_filesize_above_the_maximum_is_refused(served: Served, clients: Any,
                                               api_url: str) -> None:
    served(refuse_oversized_filesize=True, max_upload_size=1_000_000)
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    reply = uploader.chunk("Huge.png", b"\x89PNG" + b"\x00" * 2044, 0, 54975581388800)
    assert reply == error_of(api_url, "file-too-large",
                             "The file you submitted was too large.")


def test_later_chunk_cannot_change_the_filesize(uploader: ApiClient) -> None:
    data = media.png("shrink") + b"\x00" * 5000
    key = uploader.chunk("Shrink.png", data[:2048], 0, len(data))["upload"]["filekey"]
    shrunk = uploader.chunk("Shrink.png", data[2048:4096], 2048, 4096, key)
    assert shrunk["error"]["code"] == "invalid-chunk"
    assert shrunk["error"]["filesize"] == len(data)
    grown = uploader.chunk("Shrink.png", data[2048:4096], 2048, len(data) + 10, key)
    assert grown["error"]["code"] == "invalid-chunk"
    done = uploader.chunked("Shrink.png", data, 2048)     # the declared size still works
    assert done[-1]["upload"]["result"] == "Success"


# -- request bodies -------------------------------------------------------------------------

def _raw_request(api_url: str, headers: str, body: bytes) -> socket.socket:
    url = urlparse(api_url)
    sock = socket.create_connection((url.hostname, url.port))
    sock.sendall((f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n{headers}\r\n").encode()
                 + body)
    return sock


def _read_reply(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    reply = b""
    try:
        while piece := sock.recv(65536):
            reply += piece
    except (TimeoutError, ConnectionResetError):
        pass
    return reply


def test_stalled_body_is_cut_off_and_its_temp_file_deleted(served: Served,
                                                           api_url: str) -> None:
    wiki = served(body_idle_timeout=1)
    boundary = "stallBOUNDARY"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nupload\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\njson\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"Slow.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    headers = (f"Content-Length: 10000000\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\n")
    started = time.monotonic()
    with _raw_request(api_url, headers, head + b"\x89PNG" + b"\x00" * 5000) as sock:
        time.sleep(0.3)
        assert any(p.name.startswith("upload-") for p in wiki.temp_dir.iterdir())
        reply = _read_reply(sock, 10)
    assert time.monotonic() - started < 8
    assert b"badupload" in reply and b"no data received for 1 seconds" in reply
    assert list(wiki.temp_dir.iterdir()) == []


def test_trickling_urlencoded_body_is_cut_off(served: Served, api_url: str) -> None:
    served(body_idle_timeout=1)
    with _raw_request(api_url, "Content-Length: 1000\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n",
                      b"action=query&format=json") as sock:
        reply = _read_reply(sock, 10)
    assert b"badupload" in reply


def test_text_fields_are_bounded_together(served: Served, clients: Any,
                                          api_url: str) -> None:
    served(max_form_text_bytes=10_000)
    uploader = clients("Uploader@bot", UPLOADER_BOT_PASSWORD)
    fields = {f"f{i}": (None, "x" * 3000) for i in range(5)}   # each fits, not together
    response = uploader.http.post(
        api_url + "?format=json", timeout=30,
        files={"action": (None, "upload"), "filename": (None, "Many.png"),
               "token": (None, str(uploader.csrf)), **fields,
               "file": ("Many.png", media.png("many"), "image/png")})
    reply = response.json()
    assert reply["error"]["code"] == "badupload"
    assert "too large together" in reply["error"]["info"]


# -- request heads (serve's protocol guard) -------------------------------------------------

@pytest.fixture(params=["httptools", "h11"])
def guarded_url(request: pytest.FixtureRequest, served: Served,
                app_holder: dict[str, Any]) -> Iterator[str]:
    """A second server on the same application, with serve's guarded protocol (head time-out
    1 second, heads up to 4 KiB)."""
    served()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    protocol = guarded_protocol(request.param, header_timeout=1, max_header_bytes=4096)
    config = uvicorn.Config(app_holder["app"], host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off", http=protocol)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}/api.php"
    server.should_exit = True
    thread.join(5)


def _connect(url: str) -> socket.socket:
    parsed = urlparse(url)
    return socket.create_connection((parsed.hostname, parsed.port))


def test_guarded_server_answers_ordinary_requests(guarded_url: str) -> None:
    with requests.Session() as http:
        for _ in range(3):          # keep-alive: later requests on the same connection
            reply = http.get(guarded_url, params={"action": "query", "meta": "siteinfo",
                                                  "format": "json"}, timeout=10)
            assert reply.json()["query"]["general"]["sitename"] == "RefWiki"


def test_silent_connection_is_closed_after_the_head_timeout(guarded_url: str) -> None:
    started = time.monotonic()
    with _connect(guarded_url) as sock:
        reply = _read_reply(sock, 10)
    assert reply.startswith(b"HTTP/1.1 408 ")
    assert 0.8 < time.monotonic() - started < 5


def test_trickled_head_is_cut_off(guarded_url: str) -> None:
    started = time.monotonic()
    with _connect(guarded_url) as sock:
        sock.sendall(b"GET /api.php HTTP/1.1\r\nHost: x\r\n")
        try:
            for _ in range(30):     # one header byte every 0.2 s: never finishes in time
                sock.sendall(b"X")
                time.sleep(0.2)
        except OSError:
            pass                    # the server closed the connection
        reply = _read_reply(sock, 5)
    assert reply.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < 5


def test_oversized_head_gets_431(guarded_url: str) -> None:
    with _connect(guarded_url) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(b"GET /api.php HTTP/1.1\r\nHost: x\r\n"
                         + b"X-Big: " + b"a" * 8000 + b"\r\n\r\n")
        reply = _read_reply(sock, 5)
    assert reply.startswith(b"HTTP/1.1 431 ")
