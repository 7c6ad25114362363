"""Streaming (push) parser for multipart/form-data bodies.

Deliberately lenient about line endings, like PHP: both CRLF and bare LF are
accepted everywhere, because Python's ``email`` package (used by pywikibot)
emits bare LF. The delimiter is ``\\n--BOUNDARY`` and a single ``\\r`` right
before it belongs to the delimiter, never to the part data.
"""

from __future__ import annotations

import enum
import re
import urllib.parse
from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "Event",
    "MultipartError",
    "MultipartParser",
    "PartData",
    "PartEnd",
    "PartStart",
    "parse_options_header",
]

_CR = 0x0D
_MAX_BOUNDARY_BYTES = 200
_ALLOWED_TRANSFER_ENCODINGS = frozenset({"binary", "8bit", "7bit"})

# A parameter: name, then either a quoted-string (group 2) or a token (group 3).
_PARAM_RE = re.compile(r'([^\s;=]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*)))?', re.DOTALL)
# Only \" and \\ are unescaped: browsers send raw backslashes in filenames.
_QUOTED_PAIR_RE = re.compile(r'\\(["\\])')
# What may follow a boundary before its newline (the newline itself excluded).
_BOUNDARY_PADDING_RE = re.compile(rb"[ \t]*\r?")


class MultipartError(ValueError):
    """The body is not valid multipart/form-data."""


@dataclass(frozen=True, slots=True)
class PartStart:
    """A part begins; ``headers`` holds (lower-cased name, value) pairs."""

    name: str
    filename: str | None
    content_type: str | None
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PartData:
    """A piece of the current part's body."""

    data: bytes


@dataclass(frozen=True, slots=True)
class PartEnd:
    """The current part is complete."""


Event: TypeAlias = PartStart | PartData | PartEnd


class _State(enum.Enum):
    PREAMBLE = enum.auto()
    HEADERS = enum.auto()
    BODY = enum.auto()
    EPILOGUE = enum.auto()
    FAILED = enum.auto()


class MultipartParser:
    """Incremental multipart/form-data parser: ``feed()`` bytes, get events.

    Memory use is bounded: part data is passed on as soon as it cannot be the
    start of a delimiter; only part headers are buffered (up to
    ``max_header_bytes``).
    """

    def __init__(
        self, boundary: bytes, *, max_header_bytes: int = 16384, max_parts: int = 1000
    ) -> None:
        _check_boundary(boundary)
        self._delimiter = b"\n--" + boundary
        # The leading LF lets a boundary at byte 0 match like any other.
        self._buffer = bytearray(b"\n")
        self._state = _State.PREAMBLE
        self._header_scan = 0
        self._parts = 0
        self._finished = False
        self._max_header_bytes = max_header_bytes
        self._max_parts = max_parts

    @property
    def complete(self) -> bool:
        """True once the closing boundary has been seen."""
        return self._state is _State.EPILOGUE

    def feed(self, data: bytes) -> list[Event]:
        """Parse the next piece of the body and return the resulting events."""
        self._check_usable()
        if self._state is _State.EPILOGUE:
            return []
        self._buffer += data
        events: list[Event] = []
        try:
            while self._step(events):
                pass
        except MultipartError:
            self._state = _State.FAILED
            self._buffer.clear()
            raise
        return events

    def finish(self) -> None:
        """Signal the end of the body; raise if it was truncated."""
        self._check_usable()
        self._finished = True
        if self._state is _State.PREAMBLE:
            raise MultipartError("no multipart boundary found in the body")
        if self._state is not _State.EPILOGUE:
            raise MultipartError("body ended before the closing multipart boundary")

    def _check_usable(self) -> None:
        if self._state is _State.FAILED:
            raise MultipartError("parser is unusable after an earlier error")
        if self._finished:
            raise MultipartError("parser already finished")

    def _step(self, events: list[Event]) -> bool:
        """Make progress in the current state; False means more data is needed."""
        if self._state is _State.PREAMBLE:
            return self._skip_preamble()
        if self._state is _State.HEADERS:
            return self._read_headers(events)
        if self._state is _State.BODY:
            return self._read_body(events)
        self._buffer.clear()  # epilogue: ignored
        return False

    def _skip_preamble(self) -> bool:
        index = self._buffer.find(self._delimiter)
        if index < 0:
            self._drop_all_but_tail()
            return False
        del self._buffer[:index]
        next_state = self._consume_boundary_line()
        if next_state is None:
            return False
        self._state = next_state
        return True

    def _read_headers(self, events: list[Event]) -> bool:
        buffer = self._buffer
        line_start = self._header_scan
        while True:
            newline = buffer.find(b"\n", line_start)
            if newline < 0:
                self._header_scan = line_start
                self._check_header_size(len(buffer))
                return False
            self._check_header_size(newline)
            if newline == line_start or (newline == line_start + 1 and buffer[line_start] == _CR):
                block = bytes(buffer[:line_start])
                del buffer[: newline + 1]
                self._header_scan = 0
                events.append(self._start_part(block))
                self._state = _State.BODY
                return True
            line_start = newline + 1

    def _read_body(self, events: list[Event]) -> bool:
        buffer = self._buffer
        index = buffer.find(self._delimiter)
        if index < 0:
            # Hold back an optional CR plus all but one byte of the delimiter.
            self._emit_data(events, len(buffer) - len(self._delimiter))
            return False
        data_end = index - 1 if index > 0 and buffer[index - 1] == _CR else index
        self._emit_data(events, data_end)
        del buffer[: index - data_end]  # the CR belonging to the delimiter
        next_state = self._consume_boundary_line()
        if next_state is None:
            return False
        events.append(PartEnd())
        self._state = next_state
        return True

    def _emit_data(self, events: list[Event], size: int) -> None:
        """Move the first ``size`` buffered bytes into a PartData event."""
        if size <= 0:
            return
        with memoryview(self._buffer) as view, view[:size] as piece:
            data = piece.tobytes()
        del self._buffer[:size]
        events.append(PartData(data))

    def _drop_all_but_tail(self) -> None:
        keep = len(self._delimiter) - 1
        if len(self._buffer) > keep:
            del self._buffer[:-keep]

    def _consume_boundary_line(self) -> _State | None:
        """Consume the boundary line the buffer starts with.

        Returns the next state, or None if more data is needed to decide.
        """
        buffer = self._buffer
        after = len(self._delimiter)
        if buffer[after : after + 2] == b"--":
            buffer.clear()
            return _State.EPILOGUE
        if len(buffer) == after + 1 and buffer[after] == ord("-"):
            return None
        newline = buffer.find(b"\n", after)
        padding_end = len(buffer) if newline < 0 else newline
        if not _BOUNDARY_PADDING_RE.fullmatch(buffer, after, padding_end):
            raise MultipartError("unexpected data after a multipart boundary")
        if newline < 0:
            self._check_header_size(padding_end - after)
            return None
        del buffer[: newline + 1]
        return _State.HEADERS

    def _check_header_size(self, size: int) -> None:
        if size > self._max_header_bytes:
            raise MultipartError(f"part headers longer than {self._max_header_bytes} bytes")

    def _start_part(self, block: bytes) -> PartStart:
        if self._parts >= self._max_parts:
            raise MultipartError(f"too many parts (limit {self._max_parts})")
        self._parts += 1
        return _part_start(_parse_header_block(block))


def parse_options_header(value: str) -> tuple[str, dict[str, str]]:
    """Split a header like Content-Type into a lower-cased main value and params.

    Parameter names are lower-cased; quoted values are unquoted and RFC 5987
    ``name*=charset'lang'value`` forms take precedence over plain ones.
    """
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    extended: dict[str, str] = {}
    for match in _PARAM_RE.finditer(rest):
        name = match.group(1).lower()
        quoted, token = match.group(2), match.group(3)
        if quoted is not None:
            param_value = _QUOTED_PAIR_RE.sub(r"\1", quoted) if "\\" in quoted else quoted
        else:
            param_value = (token or "").strip()
        if name.endswith("*"):
            decoded = _decode_extended_value(param_value)
            if decoded is not None:
                extended[name[:-1]] = decoded
        else:
            params[name] = param_value
    params.update(extended)
    return main.strip().lower(), params


def _decode_extended_value(value: str) -> str | None:
    """Decode an RFC 5987 ``charset'language'percent-encoded`` value."""
    charset, sep, rest = value.partition("'")
    _language, sep2, encoded = rest.partition("'")
    if not (sep and sep2):
        return None
    try:
        return urllib.parse.unquote(encoded, encoding=charset or "utf-8", errors="strict")
    except (LookupError, UnicodeDecodeError):
        return None


def _check_boundary(boundary: bytes) -> None:
    if not 0 < len(boundary) <= _MAX_BOUNDARY_BYTES:
        raise MultipartError(f"boundary must be 1 to {_MAX_BOUNDARY_BYTES} bytes long")
    if b"\r" in boundary or b"\n" in boundary:
        raise MultipartError("boundary must not contain line breaks")


def _parse_header_block(block: bytes) -> list[tuple[str, str]]:
    """Parse part header lines (CRLF or LF, folded lines allowed)."""
    headers: list[tuple[str, str]] = []
    for raw_line in block.split(b"\n"):
        line = raw_line.removesuffix(b"\r").decode("utf-8", "replace")
        if not line:
            continue
        if line[0] in " \t":
            if not headers:
                raise MultipartError("part headers start with a continuation line")
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}".strip())
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not name:
            raise MultipartError(f"malformed part header line: {line[:80]!r}")
        headers.append((name.lower(), value.strip()))
    return headers


def _part_start(headers: list[tuple[str, str]]) -> PartStart:
    """Build a PartStart event from parsed headers, validating them."""
    disposition: str | None = None
    content_type: str | None = None
    for name, value in headers:
        if name == "content-disposition":
            disposition = value
        elif name == "content-type":
            content_type = value
        elif (
            name == "content-transfer-encoding" and value.lower() not in _ALLOWED_TRANSFER_ENCODINGS
        ):
            raise MultipartError(f"unsupported Content-Transfer-Encoding: {value!r}")
    if disposition is None:
        raise MultipartError("part has no Content-Disposition header")
    _kind, params = parse_options_header(disposition)
    field_name = params.get("name")
    if field_name is None:
        raise MultipartError("part Content-Disposition has no name parameter")
    return PartStart(
        name=field_name,
        filename=params.get("filename"),
        content_type=content_type,
        headers=tuple(headers),
    )
