"""Every page loads in real Chromium without an error box, and the canvas flow changes the result."""
import re
from urllib.parse import quote

import pytest

from core.registry import get_method
from ui.degrade_controls import BLUR_LABELS

from tests.e2e.conftest import assert_no_errors, drag_on, screenshot, wait_until_idle, wait_for_text

pytestmark = pytest.mark.e2e



def test_home_lists_the_topics(page, app_url):
    page.goto(app_url)
    wait_until_idle(page)
    assert_no_errors(page)
    assert page.get_by_text("Image Processing Method Explorer").first.is_visible()
    for topic in ("Denoising", "Deblurring"):
        assert page.get_by_role("link", name=topic).first.is_visible()
    screenshot(page, "home")


def _metric_texts(page) -> list[str]:
    return [t for t in page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts() if "PSNR" in t]


def test_denoising_page_shows_results_with_metrics(page, app_url):
    page.goto(f"{app_url}/denoising?dn.max_side=192")
    wait_until_idle(page)
    assert_no_errors(page)
    texts = _metric_texts(page)
    assert len(texts) >= 4, texts  # the noisy baseline plus the default methods
    assert any(re.search(r"PSNR \d+\.\d+ dB \(\+\d", t) for t in texts), texts  # a method beats the input
    screenshot(page, "denoising")


def test_deblurring_page_shows_results(page, app_url):
    page.goto(f"{app_url}/deblurring?db.max_side=192")
    wait_until_idle(page)
    assert_no_errors(page)
    assert len(_metric_texts(page)) >= 4
    screenshot(page, "deblurring")


def test_drawing_a_custom_kernel_changes_the_result(page, app_url):
    wiener = quote(get_method("deblur", "wiener").label)  # multiselects keep option labels in the URL
    custom = quote(BLUR_LABELS["custom"])
    page.goto(f"{app_url}/deblurring?db.max_side=192&db.blur.kind={custom}&db.methods={wiener}")
    wait_until_idle(page)
    assert_no_errors(page)
    assert page.get_by_text("Using a Gaussian σ=2 kernel meanwhile").first.is_visible()
    before = _metric_texts(page)
    canvas = page.locator("canvas.upper-canvas").first
    canvas.scroll_into_view_if_needed()  # the kernel pad sits low in the sidebar
    page.wait_for_timeout(300)
    drag_on(page, canvas, ((0.2, 0.5), (0.8, 0.55)), steps=10, pause_ms=30)
    wait_until_idle(page)
    assert_no_errors(page)
    assert page.get_by_text("Using a Gaussian σ=2 kernel meanwhile").count() == 0
    wait_for_text(page, re.compile("drawn kernel"))
    after = _metric_texts(page)
    assert after != before, "drawing a kernel did not change the degraded input or its metrics"
    screenshot(page, "deblurring-custom-kernel")


def test_deep_link_on_a_fresh_server_keeps_the_navigation(page, fresh_app_url):
    # the first request a new server sees is a page URL, as with a shared link after a cold start
    page.goto(f"{fresh_app_url}/deblurring?db.max_side=128")
    wait_until_idle(page)
    assert_no_errors(page)
    assert page.get_by_role("link", name="Home").first.is_visible()
    assert page.get_by_role("heading", name="Deblurring").first.is_visible()
