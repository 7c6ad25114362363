"""An Action API session over httpx: login, tokens, and requests with retries.

Retries with exponential back-off on network errors, HTTP 5xx, ``maxlag`` and
``ratelimited`` answers (and ``readonly``); a ``badtoken`` answer reloads the CSRF token
and resends once. Every other API error is raised as :class:`ApiError`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

USER_AGENT = "wikiupload-upload/1.0 (https://www.mediawiki.org/wiki/API:Upload)"

RETRY_CODES = frozenset({"maxlag", "ratelimited", "readonly",
                         "internal_api_error_DBConnectionError",
                         "internal_api_error_DBQueryError"})


class ClientError(Exception):
    """A failure the caller should report: ``code`` is the API's error code (or our own)."""

    def __init__(self, code: str, info: str, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {info}")
        self.code = code
        self.info = info
        self.data: dict[str, Any] = dict(data or {})


class ApiError(ClientError):
    """An ``error`` answer of the API."""


class LoginError(ClientError):
    """Login refused (wrong name or password, or an unusable account)."""


Files = Mapping[str, tuple[str, Any, str]]


class ApiSession:
    """A cookie-keeping client for one ``api.php`` URL."""

    def __init__(self, api_url: str, *, max_retries: int = 5, retry_delay: float = 1.0,
                 max_delay: float = 60.0, timeout: float = 120.0, maxlag: int | None = 5,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.api_url = api_url
        self.max_retries = max_retries
        self.retry_delay = retry_delay
        self.max_delay = max_delay
        self.maxlag = maxlag
        self.sleep = sleep
        self.http = httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=timeout,
                                 transport=transport, follow_redirects=True)
        self._csrf: str | None = None
        self._lock = threading.Lock()
        self.user: str | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ----------------------------------------------------------------------------

    def get(self, **params: Any) -> dict[str, Any]:
        return self.request("GET", params)

    def post(self, files: Files | None = None, /, **params: Any) -> dict[str, Any]:
        return self.request("POST", params, files=files)

    def request(self, method: str, params: Mapping[str, Any],
                files: Files | None = None) -> dict[str, Any]:
        """One API call with retries; returns the decoded reply or raises ApiError."""
        attempt = 0
        token_refreshed = False
        while True:
            data = self._encode(params)
            try:
                reply = self._send(method, data, files)
            except (httpx.TransportError, _ServerError, _Garbage) as exc:
                attempt += 1
                if attempt > self.max_retries:
                    code = "http-error" if isinstance(exc, _ServerError) else (
                        "bad-response" if isinstance(exc, _Garbage) else "network-error")
                    raise ClientError(code, f"{exc} (after {attempt - 1} retries)") from exc
                self.sleep(self._delay(attempt, getattr(exc, "retry_after", None)))
                continue
            error = reply.get("error")
            if not isinstance(error, dict):
                return reply
            code = str(error.get("code", "unknown"))
            info = str(error.get("info", ""))
            if code == "badtoken" and not token_refreshed and "token" in params:
                token_refreshed = True
                self._csrf = None
                params = {**params, "token": self.csrf_token()}
                continue
            if code in RETRY_CODES and attempt < self.max_retries:
                attempt += 1
                lag = error.get("lag")
                hint = float(lag) if isinstance(lag, int | float) and code == "maxlag" else None
                self.sleep(self._delay(attempt, hint))
                continue
            raise ApiError(code, info, error)

    def _encode(self, params: Mapping[str, Any]) -> dict[str, str]:
        data: dict[str, str] = {"format": "json", "formatversion": "2"}
        if self.maxlag is not None:
            data["maxlag"] = str(self.maxlag)
        for key, value in params.items():
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "1"
            elif isinstance(value, list | tuple):
                data[key] = "|".join(str(v) for v in value)
            else:
                data[key] = str(value)
        return data

    def _send(self, method: str, data: dict[str, str], files: Files | None) -> dict[str, Any]:
        if method == "GET":
            response = self.http.get(self.api_url, params=data)
        else:
            if files:
                for _name, stream, _type in files.values():
                    stream.seek(0)
            response = self.http.post(self.api_url, data=data,
                                      files=dict(files) if files else None)
        if response.status_code >= 500 or response.status_code == 429:
            raise _ServerError(response)
        lag_header = response.headers.get("X-Database-Lag")
        if lag_header and response.headers.get("Retry-After"):
            raise _ServerError(response)
        try:
            reply = response.json()
        except ValueError as exc:
            raise _Garbage(f"HTTP {response.status_code}: the server did not answer JSON "
                           f"({response.text[:80]!r})") from exc
        if not isinstance(reply, dict):
            raise _Garbage(f"the server answered {type(reply).__name__}, not a JSON object")
        return reply

    def _delay(self, attempt: int, hint: float | None) -> float:
        delay = self.retry_delay * (2 ** (attempt - 1))
        if hint is not None:
            delay = max(delay, hint)
        return float(min(delay, self.max_delay))

    # -- tokens and login --------------------------------------------------------------------

    def token(self, kind: str) -> str:
        reply = self.get(action="query", meta="tokens", type=kind)
        try:
            return str(reply["query"]["tokens"][f"{kind}token"])
        except (KeyError, TypeError):
            raise ClientError("bad-response",
                              f"the server sent no {kind} token: {str(reply)[:200]}") from None

    def csrf_token(self) -> str:
        with self._lock:
            if self._csrf is None:
                self._csrf = self.token("csrf")
            return self._csrf

    def login(self, name: str, password: str) -> None:
        """Log in: bot passwords (``User@app``) via action=login, others via clientlogin."""
        if "@" in name:
            reply = self.post(action="login", lgname=name, lgpassword=password,
                              lgtoken=self.token("login"))
            result = reply.get("login", {})
            if result.get("result") != "Success":
                reason = result.get("reason")
                if isinstance(reason, dict):
                    reason = reason.get("text") or reason.get("code")
                raise LoginError(str(result.get("result", "Failed")).lower(),
                                 f"login as {name} failed: {reason or 'wrong name or password'}")
            self.user = str(result.get("lgusername", name))
        else:
            reply = self.post(action="clientlogin", username=name, password=password,
                              loginreturnurl="http://localhost/", logintoken=self.token("login"))
            result = reply.get("clientlogin", {})
            if result.get("status") != "PASS":
                raise LoginError(str(result.get("messagecode", "loginfailed")),
                                 f"login as {name} failed: "
                                 f"{result.get('message') or 'wrong name or password'}")
            self.user = str(result.get("username", name))
        self._csrf = None

    def rights(self) -> set[str]:
        reply = self.get(action="query", meta="userinfo", uiprop="rights")
        return set(reply.get("query", {}).get("userinfo", {}).get("rights", []))


class _ServerError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code} from the server")
        retry_after = response.headers.get("Retry-After", "")
        self.retry_after: float | None = float(retry_after) if retry_after.isdigit() else None


class _Garbage(Exception):
    pass
