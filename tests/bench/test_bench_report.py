"""`--report OUT.html`: one self-contained page (plotly.js inline) that loads in Debian's Chromium with no console
error and draws its charts: box plots per setting, quality against time with the Pareto front, winners."""
import shutil
from pathlib import Path

import pytest

from bench.cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def test_the_report_page_loads_in_chromium_with_no_error(tmp_path):
    page_path, csv_path = tmp_path / "report.html", tmp_path / "report.csv"
    assert main(["denoise", "--images", "sample:camera", "sample:astronaut", "--max-side", "64", "--repeat", "1",
                 "--sigma", "15,30", "--methods", "median,gaussian", "--sweep", "median.size=3,5", "-q",
                 "--report", str(page_path), "--csv", str(csv_path)]) == 0
    text = page_path.read_text()
    assert "<script src=" not in text and "cdn" not in text.split("<body>")[1].lower()  # nothing fetched
    assert "Pareto front" in text and "Winner on each image" in text
    assert len(csv_path.read_text().splitlines()) == 1 + 2 * 2 * 4
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it.")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(page_path.as_uri())
            page.wait_for_selector(".plotly-graph-div .main-svg", timeout=60_000)
            charts = page.locator(".plotly-graph-div")
            assert charts.count() == 5  # PSNR, SSIM, MSE boxes; quality against time; images won
            assert page.locator(".plotly-graph-div .main-svg").count() >= 5
            assert page.get_by_text("Means per method").count() == 1
        finally:
            browser.close()
    assert errors == []
