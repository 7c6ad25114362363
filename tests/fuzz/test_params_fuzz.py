"""Parameter validation (api/params.py) on arbitrary input: a value or an ApiError, never
anything else; integers land in their range; multi-values split and join back."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from wikiupload.api.params import MULTI_SEPARATOR, Param, Validator, split_multi
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message


class RecordingContext:
    """A validation context that keeps the warnings it is given."""

    def __init__(self, high_limits: bool = False) -> None:
        self.high_limits = high_limits
        self.max_values = 50
        self.max_values_high = 500
        self.warnings: list[tuple[str, str | None]] = []

    def warn(self, module: str, message: Message, code: str | None = None) -> None:
        self.warnings.append((message.key, code))

    def deprecate(self, module: str, message: Message) -> None:
        self.warnings.append((message.key, "deprecation"))


SPECS = (
    Param("filesize", "integer", min=0, max=1000),
    Param("offset", "integer", min=0),
    Param("limit", "limit", default=10, min=1, max=50, highmax=500),
    Param("strict", "integer", min=1, max=9, enforce_range=True),
    Param("flag", "boolean", deprecated=True),
    Param("text", "string"),
    Param("watchlist", ("nochange", "preferences", "watch"), default="preferences"),
    Param("props", ("sha1", "size", "url", "mime"), multi=True, allow_all=True),
    Param("names", "string", multi=True),
    Param("ids", "integer", multi=True, min=0),
    Param("start", "timestamp"),
    Param("required", "string", required=True),
)

raw_values = st.one_of(
    st.text(),
    st.text(alphabet="0123456789+- |\x1f", max_size=40),
    st.from_regex(r"[+-]?\d{1,6000}", fullmatch=True),
    st.sampled_from(["max", "now", "", "|", "\x1f", "\x1fa\x1fb", "*", "0", "-0", "+7"]),
    st.builds(lambda n: str(n), st.integers()),
)


@given(spec=st.sampled_from(SPECS), raw=st.one_of(st.none(), raw_values),
       high=st.booleans())
def test_a_value_or_an_api_error(spec: Param, raw: str | None, high: bool) -> None:
    validator = Validator("fuzz", "", RecordingContext(high))
    try:
        value: Any = validator.value(spec, raw, raw is not None)
    except ApiError as error:
        assert error.code and error.message.key
        return
    if spec.type in ("integer", "limit") and not spec.multi and raw is not None:
        assert isinstance(value, int)
        top = spec.highmax if high and spec.highmax is not None else spec.max
        assert spec.min is None or value >= spec.min
        assert top is None or value <= top


@given(number=st.integers(min_value=-10**30, max_value=10**30))
def test_out_of_range_integers_are_clamped_with_a_warning(number: int) -> None:
    context = RecordingContext()
    value = Validator("fuzz", "", context).value(SPECS[0], str(number), True)
    assert value == min(max(number, 0), 1000)
    assert bool(context.warnings) == (not 0 <= number <= 1000)


values = st.lists(st.text(alphabet=st.characters(blacklist_characters="|\x1f"), min_size=1),
                  min_size=1, max_size=60)


@given(values)
def test_multi_values_split_back(items: list[str]) -> None:
    assert split_multi("|".join(items)) == items
    assert split_multi(MULTI_SEPARATOR + MULTI_SEPARATOR.join(items)) == items
    with_pipes = [item + "|x" for item in items]
    assert split_multi(MULTI_SEPARATOR + MULTI_SEPARATOR.join(with_pipes)) == with_pipes


@given(values)
def test_too_many_values_is_toomanyvalues(items: list[str]) -> None:
    validator = Validator("fuzz", "", RecordingContext())
    try:
        found = validator.value(SPECS[8], "|".join(items), True)
    except ApiError as error:
        assert error.code == "toomanyvalues" and len(items) > 50
        return
    assert found == list(dict.fromkeys(items))
