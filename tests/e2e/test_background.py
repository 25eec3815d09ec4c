"""Background page in Chromium: drawing a GrabCut rectangle replaces the default box and changes the mask."""
import pytest

from tests.e2e.conftest import assert_no_errors, drag_through, screenshot, wait_until_idle

pytestmark = pytest.mark.e2e


def test_drawing_a_rectangle_changes_the_mask_and_effects(page, app_url):
    page.goto(f"{app_url}/background?bg.max_side=256")
    wait_until_idle(page)
    page.get_by_text("Foreground:").first.wait_for(timeout=60_000)
    wait_until_idle(page)
    assert_no_errors(page)
    assert page.get_by_text("not available here").first.is_visible()
    before = page.get_by_text("Foreground:").first.inner_text()
    assert "centred box" in before, before
    canvas = page.locator("canvas.upper-canvas >> visible=true").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = canvas.bounding_box()
    drag_through(page, [(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.08),
                        (box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.98)])
    wait_until_idle(page)
    assert_no_errors(page)
    after = page.get_by_text("Foreground:").first.inner_text()
    assert "centred box" not in after and after != before, after
    screenshot(page, "background")
