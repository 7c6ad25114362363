"""A person in a real browser (Debian's Chromium, headless): log in through the page, drop a
20 MB file on Special:Upload and watch the progress bar move, answer a duplicate warning with
"upload anyway", see two versions on the file page, revert, and find the thumbnails in the
gallery. A second test cuts the network in the middle of an upload and lets it resume.
Screenshots are saved as test artefacts."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from tests.support import Accounts
from tests.web.browser import CHROMIUM_ARGS, artifacts_dir, chromium_or_skip

TIMEOUT_MS = 120_000
# Records every value a <progress> takes, from the moment it is installed.
RECORD_PROGRESS = """() => {
  window.__progress = {};
  new MutationObserver((changes) => {
    for (const change of changes) {
      const bar = change.target;
      if (bar.tagName !== 'PROGRESS') continue;
      const key = bar.id || 'file';
      (window.__progress[key] = window.__progress[key] || []).push(Number(bar.value));
    }
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['value']});
}"""
# Drops a file on the drop zone the way a person's drag and drop does (a DataTransfer).
DROP = """(name) => {
  let staging = document.getElementById('test-staging');
  const file = staging.files[0];
  const dt = new DataTransfer();
  dt.items.add(new File([file], name, {type: file.type}));
  const zone = document.getElementById('drop-zone');
  for (const type of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
  }
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                              timeout=60_000)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return artifacts_dir(tmp_path_factory)


@pytest.fixture
def page(browser: Any, wiki: Any, job_worker: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def noise_png(path: Path, side: int) -> Path:
    """A PNG of random pixels (it does not compress): side² × 3 bytes and a little more."""
    image = PILImage.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    path.write_bytes(out.getvalue())
    return path


def small_png(path: Path, color: tuple[int, int, int]) -> Path:
    PILImage.new("RGB", (400, 300), color).save(path, "PNG")
    return path


def expect(locator: Any) -> Any:
    """Playwright's retrying assertions, with this module's time limit."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=TIMEOUT_MS)
    return playwright_expect(locator)


def log_in(page: Any, base: str, accounts: Accounts) -> None:
    page.goto(f"{base}/wiki/Special:UserLogin?returnto=Special:Upload")
    page.fill("#wpName1", "Uploader")
    page.fill("#wpPassword1", accounts.uploader_password)
    page.click("#wpLoginAttempt")
    page.wait_for_url(f"{base}/wiki/Special:Upload")
    assert page.inner_text("#user-name") == "Uploader"


def drop(page: Any, path: Path, name: str) -> Any:
    """Drop a file on the page; returns its row in the queue."""
    if page.query_selector("#test-staging") is None:
        page.evaluate("""() => { const i = document.createElement('input');
            i.type = 'file'; i.id = 'test-staging'; i.hidden = true;
            document.body.appendChild(i); }""")
    page.set_input_files("#test-staging", str(path))
    before = page.locator(".upload-item").count()
    page.evaluate(DROP, name)
    row = page.locator(".upload-item").nth(before)
    row.wait_for()
    return row


def test_upload_warn_version_revert_gallery(page: Any, port: int, accounts: Accounts,
                                            tmp_path: Path, artifacts: Path) -> None:
    base = f"http://127.0.0.1:{port}"
    log_in(page, base, accounts)
    page.screenshot(path=str(artifacts / "01-upload-page.png"), full_page=True)

    big = noise_png(tmp_path / "noise.png", 2600)
    assert big.stat().st_size > 20 * 1000 * 1000
    page.evaluate(RECORD_PROGRESS)
    row = drop(page, big, "Big picture.png")
    assert row.locator(".dest-name").input_value() == "Big picture.png"
    page.click("#upload-submit")
    row.locator(".file-link").wait_for()
    page.screenshot(path=str(artifacts / "02-uploaded.png"), full_page=True)
    values = page.evaluate("() => window.__progress")
    batch = values["batch-progress"]
    assert any(0 < v < 100 for v in batch), batch
    assert len({v for v in batch if 0 < v < 100}) >= 3, batch     # it moved, step by step
    assert batch[-1] == 100 and batch == sorted(batch)

    other = small_png(tmp_path / "other.png", (20, 160, 40))
    second = drop(page, other, "Other.png")
    page.click("#upload-submit")
    second.locator(".file-link").wait_for()

    third = drop(page, other, "Other copy.png")
    third.locator(".dest-name").fill("Big picture.png")
    page.click("#upload-submit")
    warning = third.locator(".file-warning")
    warning.wait_for()
    assert warning.locator(".warning-duplicate").inner_text().endswith("Other.png")
    assert "Big picture.png" in warning.locator(".warning-exists").inner_text()
    assert "{" not in warning.inner_text()              # plain words, not JSON
    page.screenshot(path=str(artifacts / "03-warning.png"), full_page=True)
    third.locator("button.upload-anyway").click()
    third.locator(".file-link").wait_for()

    third.locator(".file-link").click()
    page.wait_for_url(f"{base}/wiki/File:Big_picture.png")
    rows = page.locator("#file-history tbody tr")
    expect(rows).to_have_count(2)
    assert "400 × 300" in rows.nth(0).inner_text()
    assert "2,600 × 2,600" in rows.nth(1).inner_text()
    page.screenshot(path=str(artifacts / "04-file-page.png"), full_page=True)
    with page.expect_navigation():
        rows.nth(1).locator("button.revert").click()
    rows = page.locator("#file-history tbody tr")
    expect(rows).to_have_count(3)
    assert "2,600 × 2,600" in rows.nth(0).inner_text()
    assert "2,600 × 2,600" in page.inner_text("#file-dimensions")

    page.goto(f"{base}/wiki/Special:ListFiles")
    gallery = page.locator("#gallery img")
    expect(gallery).to_have_count(2)
    page.wait_for_function("""() => [...document.querySelectorAll('#gallery img')]
        .every((img) => img.complete && img.naturalWidth > 0)""")
    sources = [gallery.nth(i).get_attribute("src") for i in range(2)]
    assert all("/thumb/" in str(src) for src in sources), sources
    assert page.locator("#gallery .gallery-name").all_inner_texts() == [
        "Big picture.png", "Other.png"]
    page.screenshot(path=str(artifacts / "05-gallery.png"), full_page=True)


def test_upload_survives_a_failed_chunk_and_a_network_drop(
        page: Any, port: int, accounts: Accounts, tmp_path: Path, artifacts: Path) -> None:
    base = f"http://127.0.0.1:{port}"
    log_in(page, base, accounts)
    failed: list[int] = []
    held: list[Any] = []

    def interfere(route: Any) -> None:
        """Reset the connection of the second chunk once; hold the third one."""
        body = route.request.post_data_buffer or b""
        if not failed and b'name="offset"\r\n\r\n5242880\r\n' in body:
            failed.append(5242880)
            route.abort("connectionreset")
        elif not held and b'name="offset"\r\n\r\n10485760\r\n' in body:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api.php", interfere)
    big = noise_png(tmp_path / "noise.png", 1900)       # about 11 MB: 3 chunks
    row = drop(page, big, "Resumed.png")
    page.click("#upload-submit")
    row.locator(".file-status", has_text="try 1").wait_for()    # retried with back-off
    for _ in range(600):                                        # until the third chunk
        if held:
            break
        page.wait_for_timeout(100)
    assert failed and held
    page.context.set_offline(True)                               # the network drops ...
    held[0].abort("internetdisconnected")
    row.locator(".file-status", has_text="network is down").wait_for()
    page.screenshot(path=str(artifacts / "06-offline.png"), full_page=True)
    page.context.set_offline(False)                              # ... and comes back
    row.locator(".file-link").wait_for()
    page.goto(f"{base}/wiki/File:Resumed.png")
    assert "1,900 × 1,900" in page.inner_text("#file-dimensions")


def test_pages_fit_a_narrow_screen_and_work_from_the_keyboard(
        browser: Any, wiki: Any, port: int, accounts: Accounts, artifacts: Path) -> None:
    base = f"http://127.0.0.1:{port}"
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{base}/wiki/Special:UserLogin?uselang=fr")
        page.keyboard.press("Tab")                       # the first stop: skip to content
        assert page.evaluate("() => document.activeElement.className") == "skip-link"
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"                         # focus is visible
        page.focus("#wpName1")
        page.keyboard.type("Uploader")
        page.keyboard.press("Tab")
        page.keyboard.type(accounts.uploader_password)
        page.keyboard.press("Enter")                     # submit without a mouse
        page.wait_for_url(f"{base}/wiki/Special:Upload?uselang=fr")
        assert page.inner_text("#firstHeading") == "Téléverser un fichier"
        for path in ("Special:Upload", "Special:ListFiles", "Special:Log/upload",
                     "Special:UploadStash", "File:Nothing.png"):
            page.goto(f"{base}/wiki/{path}")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 360, (path, width)           # no sideways scrolling
        page.goto(f"{base}/wiki/Special:Upload")
        page.screenshot(path=str(artifacts / "07-narrow-upload.png"), full_page=True)
        assert page.evaluate("() => document.querySelector('label[for=wpUploadFile]') !== null")
    finally:
        context.close()
