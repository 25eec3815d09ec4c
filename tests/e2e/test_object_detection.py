"""Object detection page in real Chromium: detectors run and draw labelled boxes, the IoU calculator shows the
book's 1/7, and the colour splash shows its three panels."""
import re

import pytest

from core.objects import yolo_files
from tests.e2e.conftest import assert_no_errors, screenshot, wait_for_text, wait_until_idle

pytestmark = pytest.mark.e2e


def _texts(page) -> list[str]:
    return page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()


def _error_boxes(page) -> list[str]:
    return page.locator('[data-testid="stAlertContentError"]').all_inner_texts()


def test_detectors_draw_labelled_boxes_and_the_iou_and_splash_tabs_work(page, app_url):
    yolo_here = yolo_files.problem() is None
    page.goto(f"{app_url}/object_detection?od.max_side=384")
    wait_until_idle(page)
    assert_no_errors(page)
    errors = _error_boxes(page)
    # without its files, YOLOv3-tiny's cell says how to get them; nothing else may fail
    assert all("YOLOv3-tiny" in e for e in errors) and (not errors or not yolo_here), errors
    texts = _texts(page)
    assert any(re.search(r"\d+ detections?: .*\b1 face\b", t) for t in texts), texts  # Haar
    if yolo_here:
        assert any(re.search(r"detections?: .*\bperson\b", t) for t in texts), texts  # YOLOv3-tiny
    else:
        assert page.get_by_role("button", name="Get YOLOv3-tiny (35 MB)").count() == 1
    boxes = page.locator('[data-testid="stImage"]')
    assert boxes.count() >= 4  # the true boxes and one picture per detector
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1  # detections per class
    screenshot(page, "object-detection")

    page.get_by_role("tab", name=re.compile("IoU & NMS")).click()
    wait_for_text(page, re.compile(r"IoU = 0\.14285714285714285"))
    wait_until_idle(page)
    assert_no_errors(page)
    assert page.get_by_text(re.compile(r"raw boxes · after \d+ of \d+ steps")).count() == 1
    screenshot(page, "object-detection-iou-nms")

    page.get_by_role("tab", name=re.compile("Colour splash")).click()
    wait_for_text(page, "Colour splash (PNG)")
    wait_until_idle(page)
    assert_no_errors(page)
    assert not _error_boxes(page), _error_boxes(page)
    assert page.get_by_text(re.compile(r"Mask: \d+% of the image keeps its colour")).count() == 1
    screenshot(page, "object-detection-splash")
