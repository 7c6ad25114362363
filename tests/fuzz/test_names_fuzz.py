"""File names and titles on arbitrary text: upload names are either refused with a code or
normalised to a key that is stable, free of path and control characters, and short enough;
titles parse or raise InvalidTitle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wikiupload.titles import InvalidTitle, parse_title
from wikiupload.upload import filenames

ALLOWED = ("png", "gif", "jpg", "jpeg", "webp", "svg", "pdf", "txt")
PROHIBITED = ("exe", "php", "html", "js", "svgz", "xml")
NAME_PIECES = st.sampled_from(["a", "Z", " ", "_", ".", "..", "/", "\\", ":", "#", "%2F",
                               "&amp;", "&#47;", "~~~", "\u202e", "\x00", "\x7f", "File:",
                               "Image:", "png", "exe", "é", "\u0301", "\ufeff", "\U0001f600",
                               "[", "]", "{", "|", "<", ">", "\t", "\n"])
names = st.one_of(st.text(max_size=300),
                  st.lists(NAME_PIECES, max_size=40).map("".join),
                  st.builds(lambda base, ext: f"{base}.{ext}", st.text(max_size=50),
                            st.sampled_from(ALLOWED + PROHIBITED + ("",))))


@given(names)
def test_upload_names_are_refused_or_safe(desired: str) -> None:
    check = filenames.analyse_name(desired, ALLOWED, PROHIBITED)
    if check.error:
        assert not check.name
        return
    name = check.name
    assert name and "/" not in name and "\\" not in name
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in name)   # C1 is legal, as in MW
    assert not set(name) & set("#<>[]|{}:")
    assert len(name.encode()) <= filenames.MAX_NAME_BYTES
    assert " " not in name and name == name.strip("_")
    assert name.rsplit(".", 1)[-1].lower() in ALLOWED
    assert not any(piece.lower() in PROHIBITED for piece in name.split(".")[1:])
    again = filenames.analyse_name(name, ALLOWED, PROHIBITED)   # normalising is stable
    assert again.name == name


@given(names)
def test_titles_parse_or_are_invalid(text: str) -> None:
    try:
        title = parse_title(text)
    except InvalidTitle:
        return
    assert title.text and not title.text.startswith(" ")
    assert parse_title(title.prefixed()) == title


@pytest.mark.parametrize("text", ["::", "::Foo", "File::Foo.png", ": :Foo"])
def test_a_title_never_starts_with_a_colon(text: str) -> None:
    with pytest.raises(InvalidTitle) as raised:
        parse_title(text)
    assert raised.value.message.key == "title-invalid-leading-colon"
