"""The real app in a real browser: `policyqa app` serves the test index, headless Chromium asks.

Uses Debian's /usr/bin/chromium through Playwright's driver (never `playwright install`).
Saves a screenshot of the answer with its highlighted page to tests/artifacts/ask.png.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if CHROMIUM is None:
    pytest.skip("chromium not installed (apt-get install chromium): cannot drive the app in a browser",
                allow_module_level=True)
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed: pip install -e '.[test]' (the driver ships with it)")
pytest.importorskip("streamlit", reason="streamlit not installed: pip install -e '.'")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(corpus_index, tmp_path):
    yield from serve(corpus_index, tmp_path)


@pytest.fixture
def empty_server(tmp_path):
    """The app on an index that holds no document yet (made here, so `policyqa app` does not ingest the corpus)."""
    from index.store import ChunkStore

    index = tmp_path / "index"
    ChunkStore(index).close()
    yield from serve(index, tmp_path)


def serve(index: Path, tmp_path: Path):
    port = free_port()
    policyqa = Path(sys.executable).parent / "policyqa"
    cmd = ([str(policyqa)] if policyqa.exists() else [sys.executable, "-m", "qa_app.cli"]) + [
        "app", "--headless", "--port", str(port), "--host", "127.0.0.1", "--index", str(index)]
    log = open(tmp_path / "server.log", "w+")
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                log.seek(0)
                pytest.fail(f"the app did not start: {log.read()[-3000:]}")
            time.sleep(0.3)
        yield url, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)       # the server we started, and only it
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def test_ask_in_the_browser_shows_the_highlighted_page(server):
    url, log = server
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
            page.goto(url, wait_until="domcontentloaded")
            box = page.get_by_label("質問（日本語または英語） / Question (Japanese or English)")
            box.wait_for(timeout=30_000)
            box.fill("Which clusters use sales partners?")
            t0 = time.perf_counter()
            page.get_by_role("button", name="質問する / Ask").click()
            cite = page.get_by_role("button", name="[1]")
            cite.wait_for(timeout=60_000)
            answered = time.perf_counter() - t0
            main = page.locator("section.main, [data-testid='stMain']").first
            assert "TOHOKU ものづくりコリドー" in main.inner_text()

            cite.click()
            img = page.locator("[data-testid='stImage'] img").first
            img.wait_for(timeout=60_000)
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle(),
                                   timeout=30_000)
            assert img.evaluate("i => i.naturalWidth") > 300
            # Streamlit scrolls inside its own container, so a tall viewport shows the whole answer
            page.set_viewport_size({"width": 1400, "height": 2200})
            page.wait_for_timeout(800)
            page.screenshot(path=str(ARTIFACTS / "ask.png"))
            print(f"\nbrowser: first answer shown {answered * 1000:.0f} ms after the click")

            # a second question, warm
            page.set_viewport_size({"width": 1400, "height": 1000})
            second_q = "セールスパートナーを活用しているクラスターは？"
            box.fill(second_q)
            t0 = time.perf_counter()
            page.get_by_role("button", name="質問する / Ask").click()
            page.get_by_role("heading", name=second_q).wait_for(timeout=60_000)
            print(f"browser: second answer shown {(time.perf_counter() - t0) * 1000:.0f} ms after the click")
            assert "TOHOKU ものづくりコリドー" in main.inner_text()
        finally:
            browser.close()
    log.seek(0)
    timings = [ln.strip() for ln in log.read().splitlines() if "policyqa.app" in ln and ("answer in" in ln or "engine loaded" in ln)]
    print("\n".join(timings))


def test_browse_and_upload_in_the_browser(empty_server, tmp_path):
    from tests.test_app import GOOD, small_pdf

    url, _log = empty_server
    ARTIFACTS.mkdir(exist_ok=True)
    good = tmp_path / "北陸センサー.pdf"
    good.write_bytes(small_pdf(GOOD))
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200}, locale="ja-JP")
            page.goto(url + "/add", wait_until="domcontentloaded")
            page.get_by_role("heading", name="取り込み / Add documents").wait_for(timeout=30_000)
            page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files([str(good), str(fake)])
            page.get_by_text("fake.pdf").first.wait_for(timeout=30_000)
            go = page.get_by_role("button", name="取り込む / Ingest")
            page.wait_for_function("b => !b.disabled", arg=go.element_handle(), timeout=30_000)
            go.click()
            page.get_by_text("file(s) not added").wait_for(timeout=90_000)
            body = page.locator("[data-testid='stMain']").inner_text()
            assert "1 file(s) in the index" in body and "not a PDF" in body, body[-1500:]
            page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
            page.wait_for_timeout(1000)    # the table draws on a canvas
            page.screenshot(path=str(ARTIFACTS / "upload.png"))

            page.goto(url + "/browse", wait_until="domcontentloaded")
            page.get_by_role("heading", name="資料 / Browse").wait_for(timeout=30_000)
            page.get_by_role("tab", name="文脈検索 / Keyword in context").click()
            query = page.get_by_label("語句", exact=False)
            query.fill("MEMS")
            query.press("Enter")
            page.get_by_text("北陸センサー", exact=False).last.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "browse.png"))
        finally:
            browser.close()


# ---------------------------------------------------------------- hostile documents, in Streamlit's own renderer

from tests.test_app_hostile import (  # noqa: E402  (the fixture is shared with the AppTest checks)
    DOC_ID, IMG, QUESTION, SHORTCODES, UPLOAD_NAME, hostile_index, hostile_pdf)

INJECTED = """() => {
  const main = document.querySelector("[data-testid='stMain']") || document.body;
  const foreign = s => s && !s.startsWith("data:") && !s.startsWith("blob:") && !s.startsWith(location.origin);
  return {
    pwned: window.pwned === 1,
    images: [...document.querySelectorAll("img")].map(i => i.src).filter(foreign),
    onerror: document.querySelectorAll("[onerror]").length,
    links: [...main.querySelectorAll("a[href]")].map(a => a.href).filter(h => h.includes("127.0.0.1:1")),
    bold: [...main.querySelectorAll("strong, b")].filter(e => e.textContent.trim() === "bold").length,
    code: main.querySelectorAll("code").length,
    icons: main.querySelectorAll("[data-testid='stMarkdownContainer'] [data-testid='stIconMaterial']").length,
    emoji: (main.innerText.match(/😄/gu) || []).length,
  };
}"""


def assert_nothing_injected(page) -> None:
    found = page.evaluate(INJECTED)
    assert found == {"pwned": False, "images": [], "onerror": 0, "links": [], "bold": 0, "code": 0, "icons": 0,
                     "emoji": 0}, found


@pytest.fixture
def hostile_server(hostile_index, tmp_path):
    yield from serve(hostile_index, tmp_path)


def test_hostile_documents_render_as_text_and_nothing_leaves_the_machine(hostile_server, tmp_path):
    from urllib.parse import urlparse

    url, _log = hostile_server
    port = urlparse(url).port
    outside: list[str] = []

    def only_our_server(route) -> None:
        u = urlparse(route.request.url)
        if u.scheme in ("data", "blob") or (u.hostname == "127.0.0.1" and u.port == port):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    upload = tmp_path / UPLOAD_NAME
    upload.write_bytes(hostile_pdf())
    fake = tmp_path / "bad`<img src=x onerror=alert(2)>`.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1600}, locale="ja-JP")
            context.route("**/*", only_our_server)
            page = context.new_page()
            page.goto(url, wait_until="domcontentloaded")
            box = page.get_by_label("質問（日本語または英語） / Question (Japanese or English)")
            box.wait_for(timeout=30_000)
            box.fill(QUESTION)
            page.get_by_role("button", name="質問する / Ask").click()
            cite = page.get_by_role("button", name="[1]")
            cite.wait_for(timeout=90_000)
            cite.click()
            page.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)
            page.get_by_text("関連する箇所", exact=False).first.click()     # open the closest passages too
            page.wait_for_timeout(1000)
            main = page.locator("[data-testid='stMain']")
            shown = main.inner_text().replace("\u2060", "")   # the word joiner that keeps URLs from linking
            assert IMG in shown and DOC_ID in shown and SHORTCODES in shown
            assert_nothing_injected(page)

            page.goto(url + "/browse", wait_until="domcontentloaded")
            page.get_by_role("heading", name="資料 / Browse").wait_for(timeout=30_000)
            page.get_by_role("tab", name="文脈検索 / Keyword in context").click()
            query = page.get_by_label("語句", exact=False)
            query.fill("onerror")
            query.press("Enter")
            page.get_by_text(DOC_ID, exact=False).last.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            assert_nothing_injected(page)

            page.goto(url + "/add", wait_until="domcontentloaded")
            page.get_by_role("heading", name="取り込み / Add documents").wait_for(timeout=30_000)
            page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files([str(upload), str(fake)])
            go = page.get_by_role("button", name="取り込む / Ingest")
            page.wait_for_function("b => !b.disabled", arg=go.element_handle(), timeout=30_000)
            go.click()
            page.get_by_text("file(s) not added").wait_for(timeout=90_000)
            assert fake.name in main.inner_text().replace("\u2060", "")
            page.wait_for_timeout(500)
            assert_nothing_injected(page)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "hostile_upload.png"))
        finally:
            browser.close()
    assert not outside, f"requests left the machine: {outside}"
