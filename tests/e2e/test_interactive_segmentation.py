"""Interactive segmentation in Chromium: draw a GrabCut rectangle and random-walker scribbles on the
canvas and check that the results change."""
from urllib.parse import quote

import pytest

from core.registry import get_method
from tests.e2e.conftest import assert_no_errors, drag_through, screenshot, wait_until_idle

pytestmark = pytest.mark.e2e
PAGE = "interactive_segmentation"


def _label(key: str) -> str:
    return quote(get_method("segment", key).label)


def _scores(page) -> list[str]:
    texts = page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    return [t for t in texts if t.startswith("IoU ") and "Dice" in t]


def _settle(page, *, want: str = "IoU", timeout: float = 60) -> None:
    """Wait until the app is idle and a result (or a message) is on the page: canvases mount late and
    trigger a rerun after the first idle moment."""
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        wait_until_idle(page)
        if _scores(page) or (want != "IoU" and want in _errors(page)):
            return
        page.wait_for_timeout(500)


def _errors(page) -> str:
    return " ".join(page.locator('[data-testid="stAlertContentError"]').all_inner_texts())


def _canvas(page, index: int):
    """The drawing tools sit side by side: 0 scribbles, 1 rectangle, 2 seeds."""
    canvas = page.locator("canvas.upper-canvas >> visible=true").nth(index)
    canvas.wait_for()
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # let the canvas load its background image before drawing
    wait_until_idle(page)
    return canvas, canvas.bounding_box()


def test_page_loads_with_scores_from_the_known_mask(page, app_url):
    page.goto(f"{app_url}/{PAGE}?is.max_side=256")
    _settle(page)
    assert_no_errors(page)
    scores = _scores(page)
    assert len(scores) == 4, scores
    screenshot(page, "interactive_segmentation")


def test_drawing_a_grabcut_rectangle_changes_the_result(page, app_url):
    page.goto(f"{app_url}/{PAGE}?is.max_side=256&is.auto=false&is.methods={_label('grabcut')}")
    _settle(page, want="needs a rectangle")
    assert_no_errors(page)
    assert "needs a rectangle" in _errors(page)
    assert not _scores(page)
    _, box = _canvas(page, 1)
    # the synthetic objects sit in roughly [0.12, 0.88] of the frame
    drag_through(page, [(box["x"] + box["width"] * 0.08, box["y"] + box["height"] * 0.12),
                 (box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.88)])
    _settle(page)
    assert_no_errors(page)
    assert "needs a rectangle" not in _errors(page)
    scores = _scores(page)
    assert scores and float(scores[0].split()[1]) > 0.5, scores
    screenshot(page, "interactive_segmentation-grabcut")


def test_random_walker_scribbles_change_the_result(page, app_url):
    page.goto(f"{app_url}/{PAGE}?is.max_side=256&is.auto=false&is.methods={_label('random_walker')}")
    _settle(page, want="needs scribbles")
    assert "needs scribbles" in _errors(page)
    _, box = _canvas(page, 0)
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    # label 1 (background, the default brush): along the top and left edges
    drag_through(page, [(x + w * 0.03, y + h * 0.9), (x + w * 0.03, y + h * 0.03), (x + w * 0.95, y + h * 0.03)])
    _settle(page, want="at least two labels")
    assert "at least two labels" in _errors(page)  # one label is a clear message, not a crash
    page.get_by_text("2 · object").first.click()
    wait_until_idle(page)
    _, box = _canvas(page, 0)
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    # label 2 (object): across the big object's centre (about 0.4, 0.45 of the frame)
    drag_through(page, [(x + w * 0.3, y + h * 0.46), (x + w * 0.48, y + h * 0.46)])
    _settle(page)
    assert_no_errors(page)
    scores = _scores(page)
    assert scores, _errors(page)
    assert float(scores[0].split()[1]) > 0.3, scores
    screenshot(page, "interactive_segmentation-random-walker")
