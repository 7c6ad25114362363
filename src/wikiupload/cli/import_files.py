"""``wikiupload import``: import local files straight into the wiki, like MediaWiki's
importImages.php, through the same verification, warnings and publishing as the API.

Each file runs through ``api.main.handle`` in-process as an ``action=upload`` request of a
session created for ``--user`` (removed again at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from wikiupload.api.context import HttpRequest
from wikiupload.api.main import handle
from wikiupload.auth import sessions
from wikiupload.auth.tokens import issue_token
from wikiupload.auth.users import find_user
from wikiupload.cli.upload import SIDECAR_SUFFIX, ProgressLine, collect, summary_table
from wikiupload.client import UploadResult
from wikiupload.client.upload import DUPLICATE_WARNINGS, EXISTS_WARNINGS
from wikiupload.config import Settings
from wikiupload.errors import ApiError
from wikiupload.http.form import UploadedFile
from wikiupload.upload.stash import UploadStash
from wikiupload.wiki import Wiki

EXIT_FAILED = 1
EXIT_USAGE = 2
COPY_BLOCK = 1024 * 1024


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "import", help="import local files into the wiki (like importImages.php)",
        description="Import files into this wiki's repository through the upload API's "
                    "verification, warnings and publishing, as --user.")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="files or directories to import")
    parser.add_argument("--user", required=True, help="the user the uploads are made by")
    parser.add_argument("--comment", default="", help="upload summary")
    parser.add_argument("--recursive", "-r", action="store_true",
                        help="descend into sub-directories")
    policy = parser.add_mutually_exclusive_group()
    policy.add_argument("--ignore-warnings", action="store_true",
                        help="publish despite warnings")
    policy.add_argument("--skip-existing", action="store_true",
                        help="skip files whose name already exists")
    policy.add_argument("--skip-duplicates", action="store_true",
                        help="skip files whose content is already on the wiki")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress and no summary; errors only")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    files = collect(args.paths, args.recursive, [], [])
    wiki = Wiki.open(settings)
    try:
        with wiki.db() as db:
            user = find_user(db, args.user)
            if user is None:
                print(f"wikiupload import: no such user: {args.user}", file=sys.stderr)
                return EXIT_USAGE
            user_id = int(user.id)
            state = sessions.SessionState()
            state.reset(user_id)
            token = issue_token(state, False, "csrf")
            sessions.save(db, state, settings.session_expiry)
            db.commit()
        assert state.id is not None
        cookies = {wiki.session_cookie_name: state.id}
        try:
            results = import_all(wiki, files, args, cookies, token, user_id)
        finally:
            with wiki.db() as db:
                state.clear()
                sessions.save(db, state, settings.session_expiry)
                db.commit()
    finally:
        wiki.close()
    return report(results, args)


def import_all(wiki: Wiki, files: list[Path], args: argparse.Namespace,
               cookies: dict[str, str], token: str, user_id: int) -> list[UploadResult]:
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    progress = ProgressLine(total, len(files), sys.stderr, enabled=not args.quiet)
    results = []
    try:
        for path in files:
            result = import_one(wiki, path, args, cookies, token, progress, user_id)
            results.append(result)
            progress.finished(result)
            if result.status == "failed" and args.quiet:
                print(f"wikiupload import: {path}: {result.code}: {result.info}",
                      file=sys.stderr)
    finally:
        progress.close()
    return results


def import_one(wiki: Wiki, path: Path, args: argparse.Namespace, cookies: dict[str, str],
               token: str, progress: ProgressLine, user_id: int) -> UploadResult:
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        return UploadResult(path, name, "failed", "unreadable", str(exc.strerror))
    progress.start(name, size)
    handle_fd, temp_name = tempfile.mkstemp(dir=wiki.temp_dir, prefix="import-")
    temp = Path(temp_name)
    try:
        sha1 = hashlib.sha1()
        size = 0
        try:
            with os.fdopen(handle_fd, "wb") as out, path.open("rb") as source:
                while block := source.read(COPY_BLOCK):
                    out.write(block)
                    sha1.update(block)
                    size += len(block)
                    progress.add(name, len(block))
        except OSError as exc:
            return UploadResult(path, name, "failed", "unreadable", str(exc.strerror))
        body = {"action": "upload", "filename": name, "comment": args.comment,
                "token": token, "format": "json", "formatversion": "2"}
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        if sidecar.is_file():
            body["text"] = sidecar.read_text(encoding="utf-8")
        if args.ignore_warnings:
            body["ignorewarnings"] = "1"
        upload = UploadedFile(field="file", filename=name, content_type=None, path=temp,
                              size=size, received_sha1=sha1.hexdigest())
        request = HttpRequest(method="POST", query={}, body=body, files={"file": upload},
                              headers={}, cookies=cookies, client_ip="127.0.0.1")
        response = handle(wiki, request)
        try:
            reply = json.loads(response.body)
        except ValueError:
            return UploadResult(path, name, "failed", f"http-{response.status}",
                                response.body[:200].decode(errors="replace"), size=size)
        result = outcome(path, name, reply, args, size, sha1.hexdigest())
        filekey = reply.get("upload", {}).get("filekey") if isinstance(reply, dict) else None
        if result.status != "uploaded" and isinstance(filekey, str):
            drop_stashed(wiki, filekey, user_id)
        return result
    finally:
        temp.unlink(missing_ok=True)


def drop_stashed(wiki: Wiki, filekey: str, user_id: int) -> None:
    """A warning stashes the file; an import that does not publish it leaves nothing behind."""
    with wiki.db() as db:
        stash = UploadStash(db, wiki.filerepo)
        try:
            row = stash.get(filekey, user_id)
        except ApiError:
            return
        stash.remove(row)
        db.commit()


def outcome(path: Path, name: str, reply: dict[str, Any], args: argparse.Namespace,
            size: int, sha1: str) -> UploadResult:
    """The result of one file from the API's reply and the warnings policy."""
    if "error" in reply:
        error = reply["error"]
        return UploadResult(path, name, "failed", str(error.get("code")),
                            str(error.get("info", "")), size=size, sha1=sha1)
    upload = reply.get("upload", {})
    name = str(upload.get("filename", name))
    if upload.get("result") == "Success":
        return UploadResult(path, name, "uploaded", size=size, sha1=sha1, bytes_sent=size)
    warnings: dict[str, Any] = upload.get("warnings") or {}
    codes = set(warnings)
    described = ", ".join(f"{code}: {value}" for code, value in sorted(warnings.items()))
    if args.skip_existing and codes & EXISTS_WARNINGS:
        return UploadResult(path, name, "skipped", sorted(codes & EXISTS_WARNINGS)[0],
                            f"already exists ({described})", size=size, sha1=sha1,
                            warnings=warnings)
    if args.skip_duplicates and codes & DUPLICATE_WARNINGS:
        return UploadResult(path, name, "skipped", sorted(codes & DUPLICATE_WARNINGS)[0],
                            f"duplicate ({described})", size=size, sha1=sha1,
                            warnings=warnings)
    code = sorted(codes)[0] if codes else str(upload.get("result", "unknown"))
    return UploadResult(path, name, "failed", code, f"warnings: {described}", size=size,
                        sha1=sha1, warnings=warnings)


def report(results: list[UploadResult], args: argparse.Namespace) -> int:
    counts = {status: sum(1 for r in results if r.status == status)
              for status in ("uploaded", "skipped", "failed")}
    if not args.quiet:
        for line in summary_table(results):
            print(line)
        print(f"{counts['uploaded']} imported, {counts['skipped']} skipped, "
              f"{counts['failed']} failed")
    return EXIT_FAILED if counts["failed"] else 0
