"""SSRF protection of uploads by URL: address spellings and ranges, MediaWiki's URL and
domain rules, and the fetch connecting to the address it checked (no DNS rebinding).

The fetch tests use a real HTTP server on 127.0.0.1 and a resolver given to the fetch, so
no name is looked up in DNS and no traffic leaves 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests import media_samples as media
from tests.api.url_helpers import FileServer

from wikiupload.errors import ApiError
from wikiupload.upload import ssrf, url_rules
from wikiupload.upload.fetch import FetchLimits, fetch_to_file, pinned_request

ip = ipaddress.ip_address
LOOPBACK_ALLOWED = ssrf.parse_networks(["127.0.0.0/8"])


@pytest.mark.parametrize(("host", "address"), [
    ("127.0.0.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"), ("0x7F.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("127.0.1", "127.0.0.1"),
    ("127.0.0.1.", "127.0.0.1"), ("0", "0.0.0.0"), ("0x", "0.0.0.0"),
    ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"), ("2852039166", "169.254.169.254"),
    ("012.0.0.1", "10.0.0.1"), ("%31%32%37.0.0.1", "127.0.0.1"), ("[::1]", "::1"),
    ("::ffff:127.0.0.1", "::ffff:7f00:1"), ("[fe80::1%25eth0]", "fe80::1%eth0"),
])
def test_ip_host_spellings(host: str, address: str) -> None:
    assert ssrf.parse_ip_host(host) == ip(address)


@pytest.mark.parametrize("host", ["example.org", "localhost", "1.2.3.example", "08.1.1.1",
                                  "0x7g.0.0.1", "a", "xn--bcher-kva.example"])
def test_names_are_not_addresses(host: str) -> None:
    assert ssrf.parse_ip_host(host) is None


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1.1.1", "1.2.65536", "4294967296",
                                  "0x100.1.1.1", "[::1::2]", "1:2"])
def test_numeric_hosts_that_are_no_address(host: str) -> None:
    with pytest.raises(ValueError):
        ssrf.parse_ip_host(host)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255",
    "192.168.1.1", "100.64.0.1", "100.127.255.255", "169.254.169.254", "169.254.0.1",
    "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "233.252.0.1", "240.0.0.1",
    "255.255.255.255", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7",
    "203.0.113.9", "192.88.99.1",
    "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1",
    "ff0e::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
    "2002:7f00:1::1", "2002:a00:1::", "2001::1", "2001:db8::1", "3fff::1", "100::1",
    "fe80::1%eth0",
])
def test_non_public_addresses_are_refused(address: str) -> None:
    assert ssrf.refusal(ip(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "100.128.0.1",
                                     "172.32.0.1", "2606:4700::1111", "2a00:1450::1",
                                     "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert ssrf.refusal(ip(address)) is None


def test_configured_ranges_are_allowed() -> None:
    assert ssrf.refusal(ip("127.0.0.1"), LOOPBACK_ALLOWED) is None
    assert ssrf.refusal(ip("::ffff:127.0.0.1"), LOOPBACK_ALLOWED) is None
    assert ssrf.refusal(ip("64:ff9b::7f00:1"), LOOPBACK_ALLOWED) is None
    assert ssrf.refusal(ip("10.0.0.1"), LOOPBACK_ALLOWED) == "private"
    assert ssrf.refusal(ip("::1"), LOOPBACK_ALLOWED) == "loopback"
    allowed = ssrf.parse_networks(["10.1.2.3/8", " fd00::/8 "])
    assert ssrf.refusal(ip("10.200.0.1"), allowed) is None
    assert ssrf.refusal(ip("fd00::5"), allowed) is None
    assert ssrf.refusal(ip("169.254.169.254"), allowed) == "link-local"


def test_mapped_addresses_connect_as_ipv4() -> None:
    assert ssrf.connect_address(ip("::ffff:127.0.0.1")) == ip("127.0.0.1")
    assert ssrf.connect_address(ip("2606:4700::1111")) == ip("2606:4700::1111")


# -- MediaWiki's URL and domain rules -----------------------------------------------------

@pytest.mark.parametrize(("host", "pattern", "matches"), [
    ("a.example.org", "*.example.org", True), ("example.org", "*.example.org", False),
    ("a.b.example.org", "*.example.org", False), ("upload.wikimedia.org",
                                                  "upload.wikimedia.org", True),
    ("Upload.Wikimedia.org", "upload.wikimedia.org", True), ("a.b.c", "*.*.*", True),
    ("a.example.org", "a.*.org", True), ("a.example.net", "a.*.org", False),
])
def test_domain_wildcards(host: str, pattern: str, matches: bool) -> None:
    assert url_rules.host_matches(host, pattern) is matches


def test_domain_list() -> None:
    assert url_rules.domain_allowed("http://anything.test/x", [])
    assert url_rules.domain_allowed("http://a.example.org/x", ["x.test", "*.example.org"])
    assert not url_rules.domain_allowed("http://evil.test/x", ["*.example.org"])
    assert not url_rules.domain_allowed("http://[::1/x", ["*.example.org"])
    assert not url_rules.domain_allowed("http://a.example.org\\@evil.test/",
                                        ["*.example.org"])


@pytest.mark.parametrize("url", ["notaurl", "ftp://h/x", "file:///etc/passwd", "gopher://h/",
                                 "HTTPS://h/x", "http://", "http:///x", "http://h x/",
                                 " http://h/", "javascript:alert(1)", "http://[::1/"])
def test_invalid_urls(url: str) -> None:
    with pytest.raises(ApiError) as raised:
        url_rules.parse_url(url)
    assert raised.value.code == "http-invalid-url" and raised.value.message.params == (url,)


def test_pinned_request_keeps_host_and_sni() -> None:
    client = httpx.AsyncClient()
    target = httpx.URL("https://user:pw@Files.Example.org:8443/a/b.png?x=1")
    request = pinned_request(client, target, ip("::ffff:127.0.0.1"), by_name=True)
    assert str(request.url) == "https://user:pw@127.0.0.1:8443/a/b.png?x=1"
    assert request.headers["host"] == "files.example.org:8443"
    assert request.headers["accept-encoding"] == "identity"
    assert request.extensions["sni_hostname"] == "files.example.org"
    plain = pinned_request(client, httpx.URL("http://h.test/x"), ip("127.0.0.1"), by_name=True)
    assert "sni_hostname" not in plain.extensions and plain.headers["host"] == "h.test"


# -- the fetch: resolve once, check all, connect to what was checked ------------------------

@pytest.fixture
def files() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.close()


class Resolver:
    """Answers from a script (one answer per call) and counts the calls."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[ssrf.IPAddress]:
        self.calls.append(host)
        return [ip(text) for text in self.answers[min(len(self.calls), len(self.answers)) - 1]]


def limits(**changes: object) -> FetchLimits:
    values: dict[str, object] = {"max_bytes": 10**6, "timeout": 5, "connect_timeout": 2,
                                 "max_redirects": 4, "allowed_networks": LOOPBACK_ALLOWED}
    return FetchLimits(**{**values, **changes})  # type: ignore[arg-type]


def test_the_checked_address_is_the_one_connected_to(files: FileServer,
                                                    tmp_path: Path) -> None:
    data = media.png("pinned")
    files.put("p.png", data)
    resolver = Resolver(["127.0.0.1"], ["10.0.0.1"])   # a rebinding DNS server
    fetched = fetch_to_file(f"http://images.rebind.test:{files.port}/files/p.png", tmp_path,
                            limits(), resolver)
    assert fetched.path.read_bytes() == data
    assert resolver.calls == ["images.rebind.test"]
    assert files.requests[0][1]["host"] == f"images.rebind.test:{files.port}"


def test_every_resolved_address_is_checked(files: FileServer, tmp_path: Path) -> None:
    files.put("p.png", media.png("mixed"))
    resolver = Resolver(["127.0.0.1", "10.0.0.1"])
    with pytest.raises(ApiError) as raised:
        fetch_to_file(f"http://mixed.test:{files.port}/files/p.png", tmp_path, limits(),
                      resolver)
    assert raised.value.code == "copyuploadbaddomain"
    assert files.requests == [] and list(tmp_path.iterdir()) == []


def test_each_redirect_is_resolved_and_checked_again(files: FileServer,
                                                      tmp_path: Path) -> None:
    files.put("p.png", media.png("hop"))
    resolver = Resolver(["127.0.0.1"], ["169.254.169.254"])
    path = f"/to?http://second.test:{files.port}/files/p.png"
    with pytest.raises(ApiError) as raised:
        fetch_to_file(f"http://first.test:{files.port}{path}", tmp_path, limits(), resolver)
    assert raised.value.code == "copyuploadbaddomain"
    assert resolver.calls == ["first.test", "second.test"] and files.paths() == [path]


def test_unresolvable_host(tmp_path: Path) -> None:
    with pytest.raises(ApiError) as raised:
        fetch_to_file("http://nowhere.test/x.png", tmp_path, limits(), Resolver([]))
    assert raised.value.code == "http-curl-error"
    assert raised.value.message.params == ("Could not resolve host: nowhere.test",)
