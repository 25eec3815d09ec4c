"""Serve the real app on localhost and drive it with Debian's Chromium through Playwright."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_app(**environment: str):
    """Start `streamlit run app.py` on a free port (with these extra environment variables); yields its URL and
    stops it afterwards."""
    port = _free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **environment)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("The Streamlit server did not start within 60 s:\n" + server.stdout.read().decode()[-3000:])
    yield url
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="session")
def app_url():
    yield from serve_app()


@pytest.fixture
def fresh_app_url():
    yield from serve_app()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it.")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    yield page
    context.close()


def wait_until_idle(page, settle: float = 1.5, timeout: float = 150) -> None:
    """Wait until Streamlit has finished running the script: the app reports `notRunning` and shows no
    'Running' widget, for `settle` seconds in a row."""
    page.wait_for_selector('[data-testid="stApp"]')
    deadline, quiet_since = time.time() + timeout, None
    while time.time() < deadline:
        state = page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state")
        running = state != "notRunning" or page.locator('[data-testid="stStatusWidget"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.time()
        elif time.time() - quiet_since >= settle:
            return
        time.sleep(0.25)
    raise AssertionError("The app kept running for too long.")


def wait_for_text(page, text, timeout: float = 60_000):
    """Wait until `text` (a string or a regex) is in the page; a slow host may still be sending it."""
    locator = page.get_by_text(text)
    locator.first.wait_for(state="attached", timeout=timeout)
    return locator


def assert_no_errors(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def drag_through(page, points, *, steps: int = 8, pause_ms: int = 15) -> None:
    """Press the mouse at the first (x, y) page point, move through the others in small steps, release
    (a stroke in freedraw mode, a box in rect mode)."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for step in range(1, steps + 1):
            page.mouse.move(x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps)
            page.wait_for_timeout(pause_ms)
    page.mouse.up()
    page.wait_for_timeout(500)


def drag_on(page, canvas, fractions, *, steps: int = 8, pause_ms: int = 15) -> None:
    """`drag_through` with the points given as (x, y) fractions of `canvas`'s box."""
    box = canvas.bounding_box()
    drag_through(page, [(box["x"] + box["width"] * x, box["y"] + box["height"] * y) for x, y in fractions],
                 steps=steps, pause_ms=pause_ms)
