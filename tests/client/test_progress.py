"""The progress display of ``wikiupload upload`` (rich.progress; no server needed)."""

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
    progress.progress.refresh()
    live = stream.getvalue()
    assert "a.png" in live and "b.png" in live
    assert "total 0/2 files" in live
    assert "\x1b[" in live  # redrawn in place
    tasks = {task.description.strip(): task for task in progress.progress.tasks}
    assert tasks["a.png"].completed == 500 and tasks["a.png"].total == 1000
    assert tasks["total 0/2 files"].completed == 2500
    assert any(c.__class__.__name__ == "TransferSpeedColumn" for c in progress.progress.columns)
    assert any(c.__class__.__name__ == "TimeRemainingColumn" for c in progress.progress.columns)
    progress.finished(UploadResult(Path("b.png"), "b.png", "uploaded"))
    assert [t.description.strip() for t in progress.progress.tasks] == [
        "total 1/2 files", "a.png"]
    progress.close()
    assert "uploaded b.png -> b.png" in stream.getvalue()


def test_not_a_terminal_gets_one_line_per_file_and_no_escapes() -> None:
    stream = io.StringIO()
    progress = ProgressLine(10, 1, stream, enabled=True)
    progress.start("x.png", 10)
    progress.add("x.png", 10)
    progress.finished(UploadResult(Path("x.png"), "x.png", "failed", "exists", "warning"))
    progress.close()
    assert stream.getvalue() == "FAILED   x.png -> x.png (exists: warning)\n"
    assert "\x1b" not in stream.getvalue()


def test_long_lines_are_not_wrapped_on_a_pipe() -> None:
    stream = io.StringIO()
    progress = ProgressLine(10, 1, stream, enabled=True)
    name = "n" * 150 + ".png"
    progress.finished(UploadResult(Path(name), name, "uploaded"))
    progress.close()
    assert stream.getvalue() == f"uploaded {name} -> {name}\n"


def test_disabled_prints_nothing() -> None:
    stream = Terminal()
    progress = ProgressLine(10, 1, stream, enabled=False)
    progress.start("x.png", 10)
    progress.add("x.png", 10)
    progress.finished(UploadResult(Path("x.png"), "x.png", "uploaded"))
    progress.close()
    assert stream.getvalue() == ""
