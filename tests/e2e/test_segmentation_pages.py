"""Slicing & thresholding, clustering and superpixel pages in real Chromium: they load without an error
box and show their results; drawing an ROI rectangle changes the thresholding page's output."""
import re

import pytest

from tests.e2e.conftest import assert_no_errors, drag_on, screenshot, wait_until_idle

pytestmark = pytest.mark.e2e

CAPTION = re.compile(r"\d+ segments? · \d+\.\d+ s")


def _result_captions(page) -> list[str]:
    texts = page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    return [t for t in texts if CAPTION.search(t)]


def _roi_text(page) -> str:
    return page.get_by_text(re.compile(r"^ROI: ")).first.inner_text()


def _settle(page, ready, timeout: float = 90) -> None:
    """Wait until the app is idle and `ready()` holds: canvases mount late and trigger another rerun."""
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        wait_until_idle(page)
        if ready():
            return
        page.wait_for_timeout(500)


def test_thresholding_page_and_roi_rectangle(page, app_url):
    page.goto(f"{app_url}/thresholding?th.max_side=256")
    _settle(page, lambda: len(_result_captions(page)) == 4)
    assert_no_errors(page)
    assert len(_result_captions(page)) == 4
    screenshot(page, "thresholding")
    page.get_by_role("tab", name=re.compile("Gray-level slicing")).click()
    wait_until_idle(page)
    before = _roi_text(page)
    assert "the whole image" in before
    canvas = page.locator("canvas.upper-canvas >> visible=true").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    wait_until_idle(page)
    drag_on(page, canvas, ((0.2, 0.2), (0.7, 0.6)), steps=10, pause_ms=30)
    _settle(page, lambda: _roi_text(page) != before, timeout=30)
    assert_no_errors(page)
    after = _roi_text(page)
    assert after != before and "rectangle x=" in after, after
    screenshot(page, "thresholding-roi")


def test_clustering_page_shows_clusters_and_their_colours(page, app_url):
    page.goto(f"{app_url}/clustering?cl.max_side=128")
    _settle(page, lambda: len(_result_captions(page)) == 4)
    assert_no_errors(page)
    captions = _result_captions(page)
    assert len(captions) == 4 and all("IoU" in c for c in captions), captions
    assert page.get_by_text("Cluster colours and sizes").first.is_visible()
    screenshot(page, "clustering")


def test_superpixels_page_shows_segment_counts(page, app_url):
    page.goto(f"{app_url}/superpixels?sp.max_side=128")
    _settle(page, lambda: len(_result_captions(page)) == 4)
    assert_no_errors(page)
    assert len(_result_captions(page)) == 4
    screenshot(page, "superpixels")


def test_drawing_mahalanobis_patches_gives_a_result(page, app_url):
    from urllib.parse import quote

    from core.gallery import SAMPLES
    from core.registry import get_method

    sample = quote(f"astronaut — {SAMPLES['astronaut'][1]}")
    label = quote(get_method("cluster", "mahalanobis").label)
    page.goto(f"{app_url}/clustering?cl.max_side=256&cl.sample={sample}&cl.methods={label}")
    errors = lambda: " ".join(page.locator('[data-testid="stAlertContentError"]').all_inner_texts())  # noqa: E731
    _settle(page, lambda: "draw one rectangle" in errors())
    assert "draw one rectangle" in errors()
    page.get_by_text("Reference patches for the Mahalanobis method").click()
    page.wait_for_timeout(1000)
    wait_until_idle(page)
    canvas = page.locator("canvas.upper-canvas >> visible=true").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    drag_on(page, canvas, ((0.05, 0.05), (0.2, 0.2)), steps=10, pause_ms=30)  # the dark background, top left
    wait_until_idle(page)
    drag_on(page, canvas, ((0.3, 0.7), (0.45, 0.85)), steps=10, pause_ms=30)  # the orange suit
    _settle(page, lambda: len(_result_captions(page)) == 1, timeout=60)
    assert_no_errors(page)
    assert "draw one rectangle" not in errors()
    assert len(_result_captions(page)) == 1
    screenshot(page, "clustering-patches")
