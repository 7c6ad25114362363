"""Arbitrary action=upload requests against the live server: whatever the parameters,
their values and the parts sent, the answer is an API answer (HTTP 200 or 4xx with a JSON
error, never a 500 or internal_api_error) within the request time-out, and no spooled file
stays behind."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests import media_samples as media
from tests.fuzz.budget import live_examples
from tests.support import ApiClient
from wikiupload.wiki import Wiki

VALUES = st.one_of(st.text(max_size=40), st.integers(-5, 10**20).map(str),
                   st.sampled_from(["", "1", "0", "max", "|", "\x1f", "Fuzz.png", "a.exe",
                                    "File:X.png", "../x.png", "http://127.0.0.1:1/x.png",
                                    "file:///etc/passwd", "20260101000000", "\x00"]))
PARAMS = ("filename", "comment", "tags", "text", "watch", "watchlist", "ignorewarnings",
          "url", "filekey", "sessionkey", "stash", "filesize", "offset", "async",
          "checkstatus", "watchlistexpiry", "formatversion", "errorformat", "uselang",
          "assert", "maxlag", "token")
CONTENTS = st.sampled_from([b"", media.png("api fuzz"), media.exe("api fuzz"),
                            media.svg("api fuzz", script=True), b"\x89PNG\r\n\x1a\n"])


@settings(max_examples=live_examples(), deadline=None)
@given(params=st.dictionaries(st.sampled_from(PARAMS), VALUES, max_size=8),
       part=st.sampled_from([None, "file", "chunk", "both"]), content=CONTENTS,
       real_token=st.booleans(), method=st.sampled_from(["POST", "POST", "GET"]))
def test_arbitrary_upload_requests_get_api_answers(
        uploader: ApiClient, wiki: Wiki, params: dict[str, str], part: str | None,
        content: bytes, real_token: bool, method: str) -> None:
    fields: dict[str, Any] = {"action": "upload", "format": "json", **params}
    if real_token:
        fields["token"] = uploader.csrf
    files: dict[str, Any] = {}
    for name in (["file", "chunk"] if part == "both" else [part] if part else []):
        files[name] = (fields.get("filename", "x.png"), content, "application/octet-stream")
    if method == "GET":
        response = uploader.http.get(uploader.url, params=fields, timeout=30)
    elif files:
        parts = {k: (None, str(v)) for k, v in fields.items()} | files
        response = uploader.http.post(uploader.url, files=parts, timeout=30)
    else:
        response = uploader.http.post(uploader.url, data=fields, timeout=30)
    assert response.status_code < 500, response.text[:300]
    if fields.get("format") == "json" and "json" in response.headers.get("content-type", ""):
        reply = response.json()
        code = reply.get("error", {}).get("code", "") if isinstance(reply, dict) else ""
        assert not code.startswith("internal_api_error"), reply
    assert [p for p in wiki.temp_dir.iterdir() if p.name.startswith("upload-")] == []
