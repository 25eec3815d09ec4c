"""Diffusion & sketch and Learned restoration pages in real Chromium: no error box; a very short training run."""
import re
import time

import pytest

from tests.e2e.conftest import assert_no_errors, screenshot, wait_until_idle, wait_for_text

pytestmark = pytest.mark.e2e

TINY = ("lr.max_side=128&lr.dae.autoencoder.depth=2&lr.dae.autoencoder.filters=8&lr.dae.autoencoder.epochs=2"
        "&lr.dae.autoencoder.steps=3&lr.dae.autoencoder.patch=16"
        "&lr.dae.autoencoder.batch=4&lr.dae.autoencoder.seed=11")


def test_diffusion_sketch_page_shows_results_curves_and_sketches(page, app_url):
    page.goto(f"{app_url}/diffusion_sketch?ds.max_side=128&ds.curve.iterations=30")
    wait_until_idle(page)
    assert_no_errors(page)
    texts = page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    assert sum("PSNR" in t and "dB" in t for t in texts) >= 4, texts
    assert any(re.search(r"Perona–Malik \(numpy\): best PSNR \d+\.\d+ dB", t) for t in texts), texts
    charts = page.locator('[data-testid="stPlotlyChart"]')
    charts.nth(1).wait_for(state="attached", timeout=60_000)  # plotly mounts late on a busy machine
    assert charts.count() >= 2
    assert page.get_by_text("Pencil sketch: the image minus its diffused version").first.is_visible()
    screenshot(page, "diffusion_sketch")


def test_learned_page_trains_a_tiny_autoencoder(page, app_url):
    page.goto(f"{app_url}/learned_restoration?{TINY}")
    wait_until_idle(page)
    assert_no_errors(page)
    assert page.get_by_role("tab", name=re.compile("Pretrained networks")).count() == 1
    page.get_by_role("button", name=re.compile("^(play_arrow)?Train")).first.click()
    deadline = time.time() + 240
    while time.time() < deadline and page.get_by_text(re.compile("Model trained for 2 epochs")).count() == 0:
        page.wait_for_timeout(1000)
    wait_until_idle(page)
    assert_no_errors(page)
    wait_for_text(page, re.compile("Model trained for 2 epochs"))
    wait_for_text(page, "Denoising autoencoder (RED-Net, trained here)")  # its result cell in the comparison
    texts = page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    assert sum(t.startswith("PSNR") for t in texts) >= 6, texts  # noisy input, 4 classical, the autoencoder
    screenshot(page, "learned_restoration")
