"""Declared parameter specs and their validation (what ParamValidator does in MediaWiki).

A module lists ``Param`` values; the same declarations drive validation, ``action=help`` and
``action=paraminfo``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message, Num

MULTI_SEPARATOR = "\x1f"

# Types reported by paraminfo; enums are reported as the list of their values.
SCALAR_TYPES = frozenset({
    "string", "text", "integer", "boolean", "limit", "timestamp", "user", "upload",
    "password", "expiry", "tags", "title", "namespace", "raw",
})


@dataclass(frozen=True)
class Param:
    """One parameter of a module, named without the module's prefix."""

    name: str
    type: str | tuple[str, ...] = "string"
    default: Any = None
    required: bool = False
    multi: bool = False
    min: int | None = None
    max: int | None = None
    highmax: int | None = None
    enforce_range: bool = False
    deprecated: bool = False
    sensitive: bool = False
    allow_all: bool = False
    allow_duplicates: bool = False
    submodules: Mapping[str, str] | None = None
    deprecated_values: frozenset[str] = frozenset()
    help: str = ""
    user_types: tuple[str, ...] = ()       # "user" params: accepted kinds (paraminfo subtypes)
    submodule_param_prefix: str = ""        # e.g. "g" for query's generator parameter

    @property
    def is_enum(self) -> bool:
        return isinstance(self.type, tuple)

    @property
    def enum_values(self) -> tuple[str, ...]:
        if isinstance(self.type, tuple):
            return self.type
        if self.submodules is not None:
            return tuple(sorted(self.submodules))
        return ()


class ValidationContext(Protocol):
    """What validation needs from the request: limits and a place to put warnings."""

    @property
    def high_limits(self) -> bool: ...

    @property
    def max_values(self) -> int: ...

    @property
    def max_values_high(self) -> int: ...

    def warn(self, module: str, message: Message, code: str | None = None) -> None: ...

    def deprecate(self, module: str, message: Message) -> None: ...


def split_multi(raw: str) -> list[str]:
    """Split a multi-value string on ``|``, or on U+001F when it starts with one."""
    if raw.startswith(MULTI_SEPARATOR):
        return raw[1:].split(MULTI_SEPARATOR)
    if raw == "":
        return []
    return raw.split("|")


_TS_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y%m%d%H%M%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def parse_timestamp(value: str) -> datetime | None:
    """MediaWiki's accepted timestamp spellings; ``now`` and UNIX seconds too."""
    if value == "now":
        return datetime.now(UTC).replace(microsecond=0)
    if re.fullmatch(r"\d{1,10}", value):
        return datetime.fromtimestamp(int(value), UTC)
    for fmt in _TS_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


@dataclass
class Validator:
    """Validates the parameters of one module against its declared specs."""

    module: str
    prefix: str
    ctx: ValidationContext
    used: set[str] = field(default_factory=set)

    def wire_name(self, param: Param) -> str:
        return self.prefix + param.name

    def value(self, param: Param, raw: str | None, present: bool,
              files: Mapping[str, Any] | None = None) -> Any:
        name = self.wire_name(param)
        if param.type == "upload":
            if files is not None and name in files:
                return files[name]
            if present:
                raise ApiError("apierror-badupload", name, code="badupload")
            return None
        if param.type == "boolean":
            if raw is not None and raw.startswith(MULTI_SEPARATOR):
                raise ApiError("apierror-badmultivalue", name)
            if present and param.deprecated:
                self.ctx.deprecate(self.module, Message("apiwarn-deprecation-parameter",
                                                        (name,)))
            return present
        if raw is None:
            if param.required:
                raise ApiError("apierror-missingparam", name, code="missingparam")
            return [] if param.multi and param.default is None else self._default(param)
        if param.deprecated:
            self.ctx.deprecate(self.module, Message("apiwarn-deprecation-parameter", (name,)))
        if param.multi:
            return self._multi(param, name, raw)
        if raw.startswith(MULTI_SEPARATOR):
            raise ApiError("apierror-badmultivalue", name)
        return self._single(param, name, raw)

    def _default(self, param: Param) -> Any:
        if param.multi and isinstance(param.default, str):
            return split_multi(param.default)
        return param.default

    def _multi(self, param: Param, name: str, raw: str) -> list[Any]:
        values = split_multi(raw)
        if param.allow_all and values == ["*"]:
            return list(param.enum_values)
        limit = self.ctx.max_values_high if self.ctx.high_limits else self.ctx.max_values
        if len(values) > limit:
            raise ApiError("apierror-toomanyvalues", name, Num(limit), code="toomanyvalues")
        if not param.allow_duplicates:
            values = list(dict.fromkeys(values))
        if param.enum_values:
            allowed = set(param.enum_values)
            bad = [v for v in values if v not in allowed]
            if bad:
                self.ctx.warn(self.module, Message(
                    "apiwarn-unrecognizedvalues", (name, ", ".join(bad), Num(len(bad)))),
                    code="unrecognizedvalues")
            values = [v for v in values if v in allowed]
            return values
        return [self._single(param, name, v) for v in values]

    def _single(self, param: Param, name: str, raw: str) -> Any:
        kind = param.type
        if param.enum_values:
            if raw not in param.enum_values:
                raise ApiError("apierror-unrecognizedvalue", name, raw, code="badvalue")
            return raw
        if kind in ("integer", "limit"):
            return self._integer(param, name, raw)
        if kind == "timestamp":
            stamp = parse_timestamp(raw)
            if stamp is None:
                raise ApiError("apierror-badtimestamp", name, raw, code="badtimestamp")
            return stamp
        return raw

    def _integer(self, param: Param, name: str, raw: str) -> int:
        text = raw.strip()
        high = self.ctx.high_limits and param.highmax is not None
        maximum = param.highmax if high else param.max
        if param.type == "limit" and text == "max":
            return int(maximum) if maximum is not None else 0
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ApiError("apierror-badinteger", name, raw, code="badinteger")
        try:
            number = int(text)
        except ValueError:   # more digits than int() converts: saturate, as PHP's intval
            number = -(2**63) if text.startswith("-") else 2**63 - 1
        low = param.min
        if (low is not None and number < low) or (maximum is not None and number > maximum):
            if param.enforce_range:
                raise ApiError("apiwarn-outofrange", name, raw, Num(low or 0),
                               Num(maximum or 0), code="outofrange")
            self._warn_range(name, raw, low, maximum)
            number = max(number, low) if low is not None else number
            number = min(number, maximum) if maximum is not None else number
        return number

    def _warn_range(self, name: str, raw: str, low: int | None, high: int | None) -> None:
        if low is not None and high is not None:
            msg = Message("apiwarn-outofrange", (name, raw, Num(low), Num(high)))
        elif low is not None:
            msg = Message("apiwarn-outofrange-min", (name, raw, Num(low)))
        else:
            msg = Message("apiwarn-outofrange-max", (name, raw, Num(high or 0)))
        self.ctx.warn(self.module, msg, code="integeroutofrange")


def validate(module: str, prefix: str, specs: Sequence[Param], raw: Mapping[str, str],
             ctx: ValidationContext, files: Mapping[str, Any] | None = None,
             ) -> tuple[dict[str, Any], set[str]]:
    """Validate all specs; returns the values by unprefixed name and the wire names used."""
    validator = Validator(module, prefix, ctx)
    values: dict[str, Any] = {}
    used: set[str] = set()
    for param in specs:
        name = validator.wire_name(param)
        present = name in raw or (files is not None and name in files)
        if present:
            used.add(name)
        values[param.name] = validator.value(param, raw.get(name), name in raw, files)
    return values, used

