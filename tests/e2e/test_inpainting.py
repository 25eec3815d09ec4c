"""The Inpainting page in real Chromium: defaults show in-mask scores, and strokes drawn on the canvas
become the mask (applied with one button, not on every stroke) and change the results."""
import re
import time

import pytest

from tests.e2e.conftest import assert_no_errors, drag_on, screenshot, wait_until_idle

pytestmark = pytest.mark.e2e


def _metric_texts(page) -> list[str]:
    return [t for t in page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
            if t.startswith("PSNR") and "Mask PSNR" in t]


def _wait_for_metrics(page, count: int, *, other_than: list[str] | None = None, timeout: float = 90) -> list[str]:
    """The result captions once `count` of them are rendered (and differ from `other_than`): the
    browser may still be drawing after the script has finished on a busy machine."""
    deadline = time.time() + timeout
    texts = _metric_texts(page)
    while time.time() < deadline:
        texts = _metric_texts(page)
        if len(texts) == count and texts != other_than:
            return texts
        page.wait_for_timeout(500)
    return texts


def _stroke(page, canvas, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A straight stroke between two points given as fractions of the canvas."""
    drag_on(page, canvas, (start, end), steps=12)


def test_inpainting_defaults_show_whole_and_in_mask_scores(page, app_url):
    page.goto(f"{app_url}/inpainting?inp.max_side=128")
    wait_until_idle(page)
    assert_no_errors(page)
    texts = _wait_for_metrics(page, 5)
    assert len(texts) == 5, texts  # the masked input plus four methods
    assert all(re.search(r"Mask PSNR \d+\.\d+ dB", t) for t in texts), texts
    screenshot(page, "inpainting")


def test_drawing_strokes_on_the_canvas_changes_the_result(page, app_url):
    page.goto(f"{app_url}/inpainting?inp.max_side=256&inp.mask.source=Draw")
    wait_until_idle(page)
    assert_no_errors(page)
    page.get_by_text(re.compile("The mask is empty")).first.wait_for(state="visible")
    assert _metric_texts(page) == []
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(state="visible")  # the component renders a moment after the script ends
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    apply = page.get_by_role("button", name=re.compile("Inpaint with these strokes"))

    _stroke(page, canvas, (0.2, 0.3), (0.7, 0.35))
    wait_until_idle(page)
    page.get_by_text(re.compile("New strokes: press the button")).first.wait_for(state="visible")
    assert _metric_texts(page) == [], "a stroke alone must not rerun the methods"
    apply.click()
    page.wait_for_timeout(500)
    wait_until_idle(page)
    assert_no_errors(page)
    first = _wait_for_metrics(page, 5)
    assert len(first) == 5, first

    canvas = page.locator("canvas.upper-canvas").first
    _stroke(page, canvas, (0.3, 0.6), (0.8, 0.75))
    wait_until_idle(page)
    page.get_by_text(re.compile("New strokes: press the button")).first.wait_for(state="visible")
    assert _metric_texts(page) == first, "results change only when the strokes are applied"
    page.get_by_role("button", name=re.compile("Inpaint with these strokes")).click()
    page.wait_for_timeout(500)
    wait_until_idle(page)
    assert_no_errors(page)
    second = _wait_for_metrics(page, 5, other_than=first)
    assert len(second) == 5 and second != first, (first, second)
    page.get_by_text(re.compile("Results are up to date")).first.wait_for(state="visible")
    screenshot(page, "inpainting-drawn")
