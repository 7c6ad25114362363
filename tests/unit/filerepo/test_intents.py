"""Publish intents on local storage, where a settled intent's file is reused for the next."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from wikiupload.filerepo.backends import LocalBackend
from wikiupload.filerepo.intents import Intent, load_intents, remove_intent, write_intent


def test_an_intent_settled_while_it_is_read_is_not_taken_for_another(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The listing names an intent; it is settled, and the next one written into its
    file, between its open and its read: what is read is the next intent, under a name that
    is gone. That is an intent settled meanwhile, not a damaged one."""
    backend = LocalBackend(tmp_path / "images")
    first = Intent("First.png", "20260101000000", "1" * 31, 1)
    second = Intent("Second.png", "20260101000001", "2" * 31, 2)
    write_intent(backend, first)
    opened = backend.open

    def settled_at_once(path: str) -> BinaryIO:
        stream = opened(path)
        if path == first.path:
            remove_intent(backend, first)
            write_intent(backend, second)       # into the file just read from
        return stream

    monkeypatch.setattr(backend, "open", settled_at_once)
    unreadable: list[str] = []
    with caplog.at_level(logging.WARNING):
        found = list(load_intents(backend, unreadable=unreadable))
    assert found == [] and unreadable == [] and caplog.records == []
    monkeypatch.setattr(backend, "open", opened)
    assert [intent.path for intent in load_intents(backend)] == [second.path]


def test_a_record_under_another_intents_name_is_unreadable(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "images")
    kept = Intent("Kept.png", "20260101000000", "3" * 31, 3)
    record: dict[str, Any] = {k: v for k, v in vars(kept).items() if k != "stored_at"}
    other = Intent("Other.png", "20260101000000", "4" * 31, 4)
    backend.put_bytes(other.path, json.dumps(record).encode())
    unreadable: list[str] = []
    assert list(load_intents(backend, unreadable=unreadable)) == []
    assert unreadable == [other.path]
