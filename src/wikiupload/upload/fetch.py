"""Download a URL into a temp file for an upload: streamed, hashed on the way, within limits.

Each request goes to an address checked by :mod:`wikiupload.upload.ssrf`: the host is
resolved once, every address it resolves to is checked, and the connection is made to a
checked address (the URL's host is replaced by it; the ``Host`` header and TLS SNI keep the
name), so a second DNS answer cannot redirect the connection (DNS rebinding). Redirects are
followed by hand, each target checked again (URL syntax, allowed domains, addresses). The
body is written as sent (no content decoding); a ``Content-Length`` above the size limit is
refused before reading, and reading stops at the limit or at the announced length. The
whole fetch, redirects included, has one deadline; connecting has its own shorter one.

Failures are ``ApiError``s with MediaWiki's codes (see includes/upload/UploadFromUrl.php and
includes/http/GuzzleHttpRequest.php): ``http-invalid-url``, ``http-bad-status``,
``http-timed-out``, ``http-curl-error`` (curl's wording), ``http-request-error``,
``upload-too-many-redirects``, ``file-too-large``, ``tmp-create-error``, ``tmp-write-error``;
a refused address or domain is ``copyuploadbaddomain``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import ipaddress
import logging
import os
import socket
import ssl
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

import httpx

from wikiupload import __version__
from wikiupload.errors import ApiError
from wikiupload.upload import ssrf, url_rules

log = logging.getLogger(__name__)

USER_AGENT = f"wikiupload/{__version__} (MediaWiki upload API)"
# MediaWiki follows 300-303; 307 and 308 are redirects too.
REDIRECT_STATUSES = frozenset({300, 301, 302, 303, 307, 308})

Resolver = Callable[[str, int], Awaitable[list[ssrf.IPAddress]]]

# getaddrinfo blocks; its own threads, so a hung lookup never holds up asyncio.run's exit.
_DNS_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wikiupload-dns")

__all__ = ["FetchLimits", "Fetched", "Resolver", "fetch_to_file", "pinned_request",
           "system_resolver"]


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int
    timeout: float                 # the whole fetch, redirects included, seconds
    connect_timeout: float         # each connection attempt
    max_redirects: int
    allowed_networks: tuple[ssrf.Network, ...] = ()
    allowed_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fetched:
    """The downloaded body: a temp file the caller owns, its size and SHA-1 (hex)."""

    path: Path
    size: int
    sha1: str


async def system_resolver(host: str, port: int) -> list[ssrf.IPAddress]:
    """Every address the system resolver gives for ``host`` (duplicates removed)."""
    loop = asyncio.get_running_loop()
    lookup = functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    infos = await loop.run_in_executor(_DNS_THREADS, lookup)
    addresses: list[ssrf.IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    return addresses


def fetch_to_file(url: str, temp_dir: Path, limits: FetchLimits,
                  resolver: Resolver | None = None) -> Fetched:
    """Download ``url`` into a new file in ``temp_dir`` (blocking; runs its own event loop)."""
    return asyncio.run(_fetch(url, temp_dir, limits, resolver or system_resolver))


async def _fetch(url: str, temp_dir: Path, limits: FetchLimits,
                 resolver: Resolver) -> Fetched:
    timeout = httpx.Timeout(limits.timeout, connect=limits.connect_timeout)
    try:
        async with asyncio.timeout(limits.timeout):
            async with httpx.AsyncClient(trust_env=False, follow_redirects=False,
                                         timeout=timeout) as client:
                return await _Fetcher(client, temp_dir, limits, resolver).run(url)
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise ApiError("http-timed-out", url) from exc
    except httpx.ReadError as exc:
        raise ApiError("http-curl-error", f"Recv failure: {_reason(exc)}") from exc
    except httpx.RemoteProtocolError as exc:
        raise ApiError("http-curl-error", f"Weird server reply: {exc}") from exc
    except httpx.HTTPError as exc:
        log.info("URL upload from %s failed: %r", url, exc)
        raise ApiError("http-request-error") from exc


def pinned_request(client: httpx.AsyncClient, target: httpx.URL, address: ssrf.IPAddress,
                   *, by_name: bool) -> httpx.Request:
    """A GET of ``target`` sent to ``address``, with the Host header (and, for https, the
    SNI name and certificate check) of the original host."""
    url = target.copy_with(host=str(ssrf.connect_address(address)))
    headers = {"Host": target.netloc.decode("ascii"), "User-Agent": USER_AGENT,
               "Accept-Encoding": "identity"}
    extensions = ({"sni_hostname": target.raw_host.decode("ascii")}
                  if by_name and target.scheme == "https" else {})
    return client.build_request("GET", url, headers=headers, extensions=extensions)


class _Fetcher:
    def __init__(self, client: httpx.AsyncClient, temp_dir: Path, limits: FetchLimits,
                 resolver: Resolver) -> None:
        self.client = client
        self.temp_dir = temp_dir
        self.limits = limits
        self.resolver = resolver

    async def run(self, url: str) -> Fetched:
        target = url_rules.parse_url(url)
        for _ in range(self.limits.max_redirects + 1):
            response = await self._open(target)
            try:
                location = _redirect_location(response)
                if location is None:
                    _check_status(response)
                    return await self._save(response)
            finally:
                await response.aclose()
            target = self._follow(target, location)
        raise ApiError("upload-too-many-redirects")

    def _follow(self, current: httpx.URL, location: str) -> httpx.URL:
        """The next hop: checked like the first URL, and against the allowed domains."""
        try:
            joined = str(current.join(location))
        except (httpx.InvalidURL, ValueError) as exc:
            raise ApiError("http-invalid-url", location) from exc
        target = url_rules.parse_url(joined)
        if not url_rules.domain_allowed(target, self.limits.allowed_domains):
            raise ApiError("apierror-copyuploadbaddomain")
        return target

    # -- connecting ---------------------------------------------------------------------

    async def _open(self, target: httpx.URL) -> httpx.Response:
        """Resolve once, check every address, then try them in order."""
        host = target.raw_host.decode("ascii")
        port = target.port or (443 if target.scheme == "https" else 80)
        addresses, by_name = await self._addresses(target, host, port)
        started = time.monotonic()
        failure: httpx.ConnectError | None = None
        for address in addresses:
            request = pinned_request(self.client, target, address, by_name=by_name)
            try:
                return await self.client.send(request, stream=True)
            except httpx.ConnectError as exc:
                failure = exc
        assert failure is not None
        elapsed = int((time.monotonic() - started) * 1000)
        raise ApiError("http-curl-error", _connect_failure(failure, host, port, elapsed))

    async def _addresses(self, target: httpx.URL, host: str,
                         port: int) -> tuple[list[ssrf.IPAddress], bool]:
        try:
            literal = ssrf.parse_ip_host(host)
        except ValueError as exc:
            raise ApiError("http-invalid-url", str(target)) from exc
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = await self.resolver(unquote(host), port)
            except (OSError, UnicodeError) as exc:
                raise ApiError("http-curl-error", f"Could not resolve host: {host}") from exc
            if not addresses:
                raise ApiError("http-curl-error", f"Could not resolve host: {host}")
        for address in addresses:
            reason = ssrf.refusal(address, self.limits.allowed_networks)
            if reason is not None:
                log.warning("URL upload refused: host %s, address %s: %s", host, address, reason)
                raise ApiError("apierror-copyuploadbaddomain")
        return addresses, literal is None

    # -- the body -----------------------------------------------------------------------

    async def _save(self, response: httpx.Response) -> Fetched:
        declared = _declared_length(response)
        if declared is not None and declared > self.limits.max_bytes:
            raise ApiError("file-too-large")
        try:
            handle, name = tempfile.mkstemp(dir=self.temp_dir, prefix="url-")
        except OSError as exc:
            raise ApiError("tmp-create-error") from exc
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                size, sha1 = await self._copy(response, out, declared)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Fetched(path, size, sha1)

    async def _copy(self, response: httpx.Response, out: BinaryIO,
                    declared: int | None) -> tuple[int, str]:
        """Stream the raw body into ``out``: at most ``declared`` bytes, at most the limit."""
        digest, size = hashlib.sha1(), 0
        try:
            async for block in response.aiter_raw():
                if declared is not None:
                    block = block[:declared - size]
                size += len(block)
                if size > self.limits.max_bytes:
                    raise ApiError("file-too-large")
                digest.update(block)
                _write(out, block)
                if declared is not None and size >= declared:
                    break
        except httpx.RemoteProtocolError as exc:
            if declared is not None and size < declared:
                raise ApiError("http-curl-error", f"transfer closed with {declared - size} "
                               "bytes remaining to read") from exc
            raise
        return size, digest.hexdigest()


def _write(out: BinaryIO, block: bytes) -> None:
    try:
        out.write(block)
    except OSError as exc:
        raise ApiError("tmp-write-error") from exc


def _redirect_location(response: httpx.Response) -> str | None:
    if response.status_code in REDIRECT_STATUSES:
        return response.headers.get("location") or None
    return None


def _check_status(response: httpx.Response) -> None:
    """MWHttpRequest::setStatus: anything below 400 is a success, the rest ``http-bad-status``
    with the code and the reason phrase ("404 Not Found")."""
    if response.status_code >= 400:
        raise ApiError("http-bad-status", str(response.status_code), response.reason_phrase)


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _reason(exc: BaseException) -> str:
    for cause in _causes(exc):
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    return str(exc) or type(exc).__name__


def _connect_failure(exc: httpx.ConnectError, host: str, port: int, elapsed_ms: int) -> str:
    """curl's words for a failed connection (what MediaWiki shows in http-curl-error)."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"SSL certificate problem: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError):
            return f"SSL connect error: {cause.reason or cause}"
    return (f"Failed to connect to {host} port {port} after {elapsed_ms} ms: "
            "Couldn't connect to server")
