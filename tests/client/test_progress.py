"""The progress display of ``wikiupload upload`` (no server needed)."""

from __future__ import annotations

import io
from pathlib import Path

from wikiupload.cli.upload import ProgressLine
from wikiupload.client import UploadResult


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_shows_a_bar_per_file_and_the_total() -> None:
    stream = Terminal()
    progress = ProgressLine(3000, 2, stream, enabled=True)
    progress.start("a.png", 1000)
    progress.start("b.png", 2000)
    progress.add("a.png", 500)
    progress.add("b.png", 2000)
    progress.finished(UploadResult(Path("b.png"), "b.png", "uploaded"))
    progress.close()
    text = stream.getvalue()
    assert "a.png" in text and "b.png" in text
    assert " 50% 500 B/1000 B" in text
    assert "1/2 files" in text and "ETA" in text and "/s" in text
    assert "uploaded b.png -> b.png" in text
    assert text.endswith("\x1b[J")


def test_not_a_terminal_gets_one_line_per_file_and_no_escapes() -> None:
    stream = io.StringIO()
    progress = ProgressLine(10, 1, stream, enabled=True)
    progress.start("x.png", 10)
    progress.add("x.png", 10)
    progress.finished(UploadResult(Path("x.png"), "x.png", "failed", "exists", "warning"))
    progress.close()
    assert stream.getvalue() == "FAILED   x.png -> x.png (exists: warning)\n"


def test_disabled_prints_nothing() -> None:
    stream = Terminal()
    progress = ProgressLine(10, 1, stream, enabled=False)
    progress.start("x.png", 10)
    progress.add("x.png", 10)
    progress.finished(UploadResult(Path("x.png"), "x.png", "uploaded"))
    progress.close()
    assert stream.getvalue() == ""
