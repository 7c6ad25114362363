"""``wikiupload upload``: upload files to any MediaWiki-compatible API (docs/cli.md)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import fnmatch
import getpass
import json
import os
import sys
import threading
import tomllib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from wikiupload.client import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_STATE_FILE,
    ApiSession,
    ClientError,
    ResumeState,
    Uploader,
    UploadJob,
    UploadResult,
    WarningPolicy,
)
from wikiupload.config import Settings

PASSWORD_ENV = "WIKIUPLOAD_UPLOAD_PASSWORD"
SIDECAR_SUFFIX = ".txt"
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOGIN = 3
EXIT_INTERRUPTED = 130


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "upload", help="upload files to a MediaWiki-compatible API (resumable, parallel)",
        description="Upload files and directories to a MediaWiki-compatible api.php: direct "
                    "uploads for small files, chunked above --chunk-size, resumable.")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="files or directories to upload")
    parser.add_argument("--manifest", type=Path, metavar="FILE",
                        help="a CSV or JSON list of files with per-file name, text, comment "
                             "and tags (columns/keys: file, name, text, comment, tags)")
    parser.add_argument("--api", help="the wiki's api.php URL")
    parser.add_argument("--user", help="user name; USER@APPID logs in with a bot password")
    parser.add_argument("--login-file", type=Path, metavar="FILE",
                        help="a TOML file with api, user and password (the command line "
                             "and the environment win); keep it private")
    parser.add_argument("--password",
                        help=f"password (or the {PASSWORD_ENV} environment variable; asked "
                             "for on a terminal otherwise)")
    parser.add_argument("--recursive", "-r", action="store_true",
                        help="descend into sub-directories")
    parser.add_argument("--include", action="append", default=[], metavar="GLOB",
                        help="only files whose name matches GLOB (repeatable)")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="skip files whose name matches GLOB (repeatable)")
    parser.add_argument("--name-template", default="{name}",
                        help="destination name; fields {name}, {stem}, {ext}, {parent}, "
                             "{index} (default: {name})")
    parser.add_argument("--comment", default="", help="upload summary")
    parser.add_argument("--text", help="page text for new files (a <file>.txt sidecar wins)")
    parser.add_argument("--tags", default="", help="change tags, comma-separated")
    parser.add_argument("--chunk-size", type=_size, default=DEFAULT_CHUNK_SIZE,
                        metavar="BYTES", help="upload in chunks above this size (default "
                                              "5 MiB; suffixes K, M, G allowed)")
    parser.add_argument("--async", dest="use_async", action="store_true",
                        help="let the server assemble and publish chunked uploads in the "
                             "background; poll with checkstatus")
    parser.add_argument("--parallel", "-j", type=int, default=1, metavar="N",
                        help="upload N files at once (default 1)")
    policy = parser.add_argument_group("warnings policy")
    policy.add_argument("--ignore-warnings", action="store_true",
                        help="publish despite warnings")
    policy.add_argument("--skip-existing", action="store_true",
                        help="skip files whose name already exists")
    policy.add_argument("--skip-duplicates", action="store_true",
                        help="skip files whose content is already on the wiki")
    policy.add_argument("--abort-on-warning", action="store_true",
                        help="stop the whole run at the first warning")
    parser.add_argument("--state", type=Path,
                        help=f"resume state file (default ./{DEFAULT_STATE_FILE})")
    parser.add_argument("--retries", type=int, default=5,
                        help="retries on network errors, 5xx, maxlag, ratelimited (default 5)")
    parser.add_argument("--retry-delay", type=float, default=1.0, metavar="SECONDS",
                        help="first back-off delay, doubled on each retry (default 1)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--quiet", "-q", action="store_true",
                        help="no progress and no summary; errors only")
    output.add_argument("--json", action="store_true",
                        help="JSON lines on stdout: one per file, then a summary")
    parser.set_defaults(run=run)


def _size(text: str) -> int:
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    factor = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the size must be positive")
    return value


# -- collecting files ------------------------------------------------------------------------

def collect(paths: list[Path], recursive: bool, include: list[str],
            exclude: list[str]) -> list[Path]:
    """The files to upload, in a stable order, without sidecar description files."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            pattern = path.rglob("*") if recursive else path.glob("*")
            candidates = sorted(p for p in pattern if p.is_file())
            found.extend(p for p in candidates if _wanted(p, include, exclude))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    chosen = set(found)
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        if path in seen:
            continue
        seen.add(path)
        if path.name.endswith(SIDECAR_SUFFIX) and path.with_name(
                path.name.removesuffix(SIDECAR_SUFFIX)) in chosen:
            continue
        unique.append(path)
    return unique


def _wanted(path: Path, include: list[str], exclude: list[str]) -> bool:
    if path.name.startswith(".") or path.name.endswith(SIDECAR_SUFFIX) and path.with_name(
            path.name.removesuffix(SIDECAR_SUFFIX)).is_file():
        return False
    if include and not any(fnmatch.fnmatch(path.name, glob) for glob in include):
        return False
    return not any(fnmatch.fnmatch(path.name, glob) for glob in exclude)


def destination(path: Path, template: str, index: int) -> str:
    ext = path.suffix.removeprefix(".")
    try:
        name = template.format(name=path.name, stem=path.stem, ext=ext,
                               parent=path.resolve().parent.name, index=index)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"bad --name-template {template!r}: {exc}") from None
    if not name.strip():
        raise ValueError(f"--name-template gives an empty name for {path}")
    return name


def read_manifest(path: Path) -> list[tuple[Path, dict[str, Any]]]:
    """(file, per-file fields) from a CSV (with a header row) or JSON (a list) manifest."""
    try:
        if path.suffix.lower() == ".json":
            rows = json.loads(path.read_text(encoding="utf-8"))
        else:
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
    except (OSError, ValueError, csv.Error) as exc:
        raise ValueError(f"cannot read the manifest {path}: {exc}") from None
    if not isinstance(rows, list):
        raise ValueError(f"the manifest {path} must be a list of entries")
    entries = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("file"):
            raise ValueError(f"{path}: entry {number} has no 'file'")
        file = Path(str(row["file"]))
        file = file if file.is_absolute() else path.parent / file
        if not file.is_file():
            raise FileNotFoundError(f"{path}: entry {number}: no such file: {file}")
        entries.append((file, {k: v for k, v in row.items() if v not in (None, "")}))
    return entries


def read_login_file(path: Path) -> dict[str, str]:
    """api, user and password from a TOML file (never echoed in errors)."""
    try:
        loaded = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read the login file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError:
        raise ValueError(f"the login file {path} is not valid TOML") from None
    unknown = set(loaded) - {"api", "user", "password"}
    if unknown:
        raise ValueError(f"the login file {path} has unknown keys: {', '.join(sorted(unknown))}")
    return {k: str(v) for k, v in loaded.items()}


def _tags(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(t).strip() for t in items if str(t).strip()]


def make_jobs(files: list[Path], args: argparse.Namespace,
              manifest: list[tuple[Path, dict[str, Any]]] | None = None) -> list[UploadJob]:
    tags = _tags(args.tags)
    entries: list[tuple[Path, dict[str, Any]]] = [(path, {}) for path in files]
    entries += manifest or []
    jobs = []
    for index, (path, fields) in enumerate(entries, start=1):
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        text = sidecar.read_text(encoding="utf-8") if sidecar.is_file() else args.text
        name = str(fields["name"]) if "name" in fields else destination(
            path, args.name_template, index)
        jobs.append(UploadJob(path=path, name=name,
                              comment=str(fields.get("comment", args.comment)),
                              text=str(fields["text"]) if "text" in fields else text,
                              tags=_tags(fields["tags"]) if "tags" in fields else tags))
    names: dict[str, Path] = {}
    for job in jobs:
        if job.name in names:
            raise ValueError(f"{names[job.name]} and {job.path} would both be uploaded as "
                             f"{job.name!r}; use --name-template")
        names[job.name] = job.path
    return jobs


# -- progress --------------------------------------------------------------------------------

class ProgressLine:
    """Progress on stderr with ``rich.progress``: on a terminal, one bar per file in flight
    plus the batch total (bytes, speed, ETA); elsewhere only one line per finished file."""

    def __init__(self, total_bytes: int, total_files: int, stream: IO[str],
                 enabled: bool) -> None:
        self.enabled = enabled
        self.total_files = total_files
        self.done_files = 0
        self.console = Console(file=stream, highlight=False, markup=False)
        self.live = enabled and self.console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description}", markup=False), BarColumn(),
            TaskProgressColumn(), DownloadColumn(binary_units=True), TransferSpeedColumn(),
            TimeRemainingColumn(), console=self.console, transient=True,
            disable=not self.live)
        self.tasks: dict[str, TaskID] = {}
        self.total = self.progress.add_task(self._total_label(), total=max(total_bytes, 1))
        self._lock = threading.Lock()
        if self.live:
            self.progress.start()

    def _total_label(self) -> str:
        return f"total {self.done_files}/{self.total_files} files"

    def start(self, name: str, size: int) -> None:
        with self._lock:
            self.tasks[name] = self.progress.add_task(f"  {name[:50]}", total=max(size, 1))

    def add(self, name: str, delta: int) -> None:
        with self._lock:
            task = self.tasks.get(name)
            if task is not None:
                self.progress.advance(task, delta)
            self.progress.advance(self.total, delta)

    def finished(self, result: UploadResult) -> None:
        with self._lock:
            self.done_files += 1
            task = self.tasks.pop(result.name, None)
            if task is not None:
                self.progress.remove_task(task)
            self.progress.update(self.total, description=self._total_label())
            if not self.enabled:
                return
            mark = {"uploaded": "uploaded", "skipped": "skipped ", "failed": "FAILED  "}
            detail = f" ({result.code}: {result.info})" if result.status != "uploaded" else ""
            self.console.print(f"{mark[result.status]} {result.path} -> {result.name}{detail}",
                               soft_wrap=True)

    def close(self) -> None:
        with self._lock:
            if self.live:
                self.progress.stop()


# -- running ---------------------------------------------------------------------------------

def run(args: argparse.Namespace, settings: Settings) -> int:
    del settings  # a client command: the server's settings do not apply
    if args.parallel < 1:
        print("wikiupload upload: --parallel must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.abort_on_warning and (args.ignore_warnings or args.skip_existing
                                  or args.skip_duplicates):
        print("wikiupload upload: --abort-on-warning cannot be combined with the other "
              "warning options", file=sys.stderr)
        return EXIT_USAGE
    stored = read_login_file(args.login_file) if args.login_file is not None else {}
    args.api = args.api or stored.get("api")
    args.user = args.user or stored.get("user")
    if not args.api or not args.user:
        print("wikiupload upload: --api and --user are required (or api/user in "
              "--login-file)", file=sys.stderr)
        return EXIT_USAGE
    password = args.password or os.environ.get(PASSWORD_ENV) or stored.get("password")
    if password is None:
        if not sys.stdin.isatty():
            print(f"wikiupload upload: no password (use --password or {PASSWORD_ENV})",
                  file=sys.stderr)
            return EXIT_USAGE
        password = getpass.getpass(f"Password for {args.user}: ")
    if not args.paths and args.manifest is None:
        print("wikiupload upload: give files, directories or --manifest", file=sys.stderr)
        return EXIT_USAGE
    manifest = read_manifest(args.manifest) if args.manifest is not None else []
    jobs = make_jobs(collect(args.paths, args.recursive, args.include, args.exclude), args,
                     manifest)
    policy = WarningPolicy(ignore=args.ignore_warnings, skip_existing=args.skip_existing,
                           skip_duplicates=args.skip_duplicates, abort=args.abort_on_warning)
    state = ResumeState(args.state or Path.cwd() / DEFAULT_STATE_FILE)
    with ApiSession(args.api, max_retries=args.retries, retry_delay=args.retry_delay) as session:
        try:
            session.login(args.user, password)
        except ClientError as exc:
            _say_error(args, f"{exc.info} (API code: {exc.code})")
            return EXIT_LOGIN
        uploader = Uploader(session, chunk_size=args.chunk_size, use_async=args.use_async,
                            policy=policy, state=state)
        results = upload_all(uploader, jobs, args)
    return report(results, jobs, args)


def upload_all(uploader: Uploader, jobs: list[UploadJob],
               args: argparse.Namespace) -> list[UploadResult]:
    total = 0
    for job in jobs:
        with contextlib.suppress(OSError):
            total += job.path.stat().st_size
    progress = ProgressLine(total, len(jobs), sys.stderr, enabled=not (args.quiet or args.json))
    results: list[UploadResult] = []
    lock = threading.Lock()

    def one(job: UploadJob) -> UploadResult:
        if uploader.interrupted.is_set():
            result = UploadResult(job.path, job.name, "skipped", "interrupted",
                                  "not started: the run was interrupted")
        elif uploader.aborted.is_set():
            result = UploadResult(job.path, job.name, "skipped", "aborted",
                                  "not started: the run was aborted by a warning")
        else:
            with contextlib.suppress(OSError):
                progress.start(job.name, job.path.stat().st_size)
            result = uploader.upload(job, lambda delta: progress.add(job.name, delta))
        with lock:
            results.append(result)
            progress.finished(result)
            if args.json:
                print(json.dumps({"event": "file", **result.as_json()}), flush=True)
            elif result.status == "failed" and args.quiet:
                print(f"wikiupload upload: {result.path}: {result.code}: {result.info}",
                      file=sys.stderr)
        return result

    pool = ThreadPoolExecutor(max_workers=args.parallel)
    try:
        futures: list[Future[UploadResult]] = [pool.submit(one, job) for job in jobs]
        for future in futures:
            future.result()
    except KeyboardInterrupt:
        # Ctrl-C: finish the chunk in flight, keep the resume state, start nothing new.
        uploader.interrupted.set()
        _say_error(args, "interrupted: finishing the chunks in flight (run again to resume)")
    finally:
        pool.shutdown(wait=True)
        progress.close()
    order = {job.path: index for index, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order.get(r.path, 0))


def report(results: list[UploadResult], jobs: list[UploadJob], args: argparse.Namespace) -> int:
    counts = {status: sum(1 for r in results if r.status == status)
              for status in ("uploaded", "skipped", "failed")}
    code = EXIT_FAILED if counts["failed"] else 0
    if any(r.code == "interrupted" for r in results):
        code = EXIT_INTERRUPTED
    if args.json:
        print(json.dumps({"event": "summary", **counts, "files": len(jobs),
                          "bytes_sent": sum(r.bytes_sent for r in results),
                          "exit_code": code}), flush=True)
    elif not args.quiet:
        for line in summary_table(results):
            print(line)
        print(f"{counts['uploaded']} uploaded, {counts['skipped']} skipped, "
              f"{counts['failed']} failed")
    return code


SUMMARY_ALL_ROWS = 50


def summary_table(results: list[UploadResult]) -> Iterator[str]:
    """Every file for small runs; above SUMMARY_ALL_ROWS files only the skipped and failed."""
    rows = [("status", "file", "name", "reason / API code")]
    shown = results if len(results) <= SUMMARY_ALL_ROWS else [
        r for r in results if r.status != "uploaded"]
    if len(rows) + len(shown) == 1:
        return
    for r in shown:
        reason = "" if r.status == "uploaded" else f"{r.code}: {r.info}"
        rows.append((r.status, str(r.path), r.name, reason))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
        yield f"{cells}  {row[3]}".rstrip()


def _say_error(args: argparse.Namespace, message: str) -> None:
    if args.json:
        print(json.dumps({"event": "error", "error": message}), flush=True)
    print(f"wikiupload upload: {message}", file=sys.stderr)
