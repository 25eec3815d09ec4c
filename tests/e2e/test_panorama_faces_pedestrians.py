"""Panorama, Faces and Pedestrians pages in real Chromium: they load without an error box and show results."""
import re

import pytest

from tests.e2e.conftest import assert_no_errors, screenshot, wait_until_idle, wait_for_text

pytestmark = pytest.mark.e2e


def _texts(page) -> list[str]:
    return page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()


def _error_boxes(page) -> list[str]:
    return page.locator('[data-testid="stAlertContentError"]').all_inner_texts()


def test_panorama_page_stitches_the_synthetic_views(page, app_url):
    # 256 px: at 128 the three views are too thin for the stitcher's features (a failure the AppTest covers)
    page.goto(f"{app_url}/panorama?pano.max_side=256")
    wait_until_idle(page)
    assert_no_errors(page)
    assert not _error_boxes(page), _error_boxes(page)
    seams = [float(m) for t in _texts(page) for m in re.findall(r"error vs source ([\d.]+)", t)]
    assert len(seams) == 2 and all(e < 0.04 for e in seams), seams
    assert page.get_by_role("button", name="Download PNG").count() == 2
    screenshot(page, "panorama")
    page.get_by_role("button", name="Download PNG").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "panorama-results")


def test_faces_page_detects_and_recognises(page, app_url):
    page.goto(f"{app_url}/faces?fc.max_side=256&fc.n_ids=5&fc.per_id=8")
    wait_until_idle(page)
    assert_no_errors(page)
    assert not _error_boxes(page), _error_boxes(page)
    assert sum(t.startswith("1 face") for t in _texts(page)) == 2
    page.get_by_role("tab", name=re.compile("Recognition")).click()  # a lazy tab: the click reruns
    wait_for_text(page, "Synthetic identities.")
    wait_until_idle(page)
    assert page.get_by_text("Synthetic identities.").first.is_visible()
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert len(metrics) == 3 and all(m.endswith("%") for m in metrics), metrics
    screenshot(page, "faces")
    page.locator('[data-testid="stMetricValue"]').first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "faces-recognition")
    page.get_by_role("tab", name=re.compile("NMF parts")).click()
    wait_until_idle(page)
    wait_for_text(page, re.compile(r"The 25 parts"))
    screenshot(page, "faces-nmf")
    page.get_by_role("tab", name=re.compile("Gabor bank")).click()
    wait_for_text(page, re.compile(r"^Kernels"))
    wait_until_idle(page)
    assert_no_errors(page)
    screenshot(page, "faces-gabor")


def test_pedestrians_page_compares_hog_and_haar(page, app_url):
    page.goto(f"{app_url}/pedestrians?ped.max_side=384")
    wait_until_idle(page)
    assert_no_errors(page)
    assert not _error_boxes(page), _error_boxes(page)
    scored = [t for t in _texts(page) if re.match(r"\d+ (person|people)", t) and "recall" in t]
    assert len(scored) == 3, scored
    assert re.search(r"4 people .*precision 1\.00 · recall 1\.00", scored[0].replace("\n", " ")), scored[0]
    screenshot(page, "pedestrians")


def test_marking_people_on_the_canvas_scores_the_detectors(page, app_url):
    page.goto(f"{app_url}/pedestrians?ped.scene=Gallery+or+upload&ped.max_side=256")
    wait_until_idle(page)
    assert_no_errors(page)
    assert not [t for t in _texts(page) if "recall" in t and re.match(r"\d+ (person|people)", t)]
    page.get_by_text("Mark the people yourself").first.click()
    canvas = page.locator("canvas.upper-canvas").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = canvas.bounding_box()
    # the astronaut stands in the middle of the picture: a box from her head to the bottom edge
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.08)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(box["x"] + box["width"] * (0.3 + 0.04 * step), box["y"] + box["height"] * (0.08 + 0.09 * step))
        page.wait_for_timeout(30)
    page.mouse.up()
    page.wait_for_timeout(500)
    wait_until_idle(page)
    assert_no_errors(page)
    wait_for_text(page, "1 person marked.")
    scored = [t for t in _texts(page) if "recall" in t and re.match(r"\d+ (person|people)", t)]
    assert len(scored) == 3 and all("1 true" in t for t in scored), scored
    screenshot(page, "pedestrians-marked")
