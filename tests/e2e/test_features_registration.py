"""Corners & keypoints and Matching & registration in real Chromium."""
import re

import pytest

from tests.e2e.conftest import assert_no_errors, screenshot, wait_until_idle, wait_for_text

pytestmark = pytest.mark.e2e


def test_keypoints_page_and_clicking_a_pixel_shows_its_structure_tensor(page, app_url):
    page.goto(f"{app_url}/keypoints?kp.max_side=128")
    wait_until_idle(page)
    assert_no_errors(page)
    counts = page.get_by_text(re.compile(r"\d+ keypoints · "))
    counts.nth(3).wait_for()
    assert counts.count() == 4
    page.get_by_role("tab", name=re.compile("Harris probe")).click()
    wait_until_idle(page)
    assert wait_for_text(page, "image centre (click to choose)").count() == 1
    canvas = page.locator("canvas.upper-canvas").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    page.wait_for_timeout(500)
    wait_until_idle(page)
    assert_no_errors(page)
    assert wait_for_text(page, re.compile("clicked pixel")).count() == 1
    screenshot(page, "keypoints")


def test_registration_page_shows_errors_in_pixels_and_overlays(page, app_url):
    page.goto(f"{app_url}/registration?rg.max_side=128")
    wait_until_idle(page)
    assert_no_errors(page)
    errors = page.get_by_text(re.compile(r"corner error [\d.]+ px"))
    errors.nth(3).wait_for()  # the four default methods' captions, however long the host takes
    assert errors.count() == 4
    page.get_by_role("tab", name=re.compile("Overlay")).click()
    wait_for_text(page, "Checkerboard")
    page.get_by_role("tab", name=re.compile("Matches")).click()
    # the tabs are drawn after the result grid, so a slow host may still be sending them
    page.get_by_text(re.compile("inliers \\(green\\)")).first.wait_for(state="attached")
    wait_until_idle(page)
    assert_no_errors(page)
    screenshot(page, "registration")
