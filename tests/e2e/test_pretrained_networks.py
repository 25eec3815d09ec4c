"""Pretrained networks page in real Chromium: EfficientNet-Lite0 names the coffee, Grad-CAM draws its map, and
transfer learning on the example classes shows accuracies, curves and confusion matrices."""
import re

import pytest

from tests.e2e.conftest import assert_no_errors, screenshot, wait_for_text, wait_until_idle

pytestmark = pytest.mark.e2e


def _texts(page) -> list[str]:
    return page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()


def test_pretrained_networks_page(page, app_url):
    page.goto(f"{app_url}/pretrained_networks?pn.max_side=256&pn.per_class=6")
    wait_until_idle(page)
    assert_no_errors(page)
    wait_for_text(page, "espresso")
    assert any(t.startswith("espresso") and "top-1 ✓" in t for t in _texts(page)), _texts(page)[-6:]
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1
    screenshot(page, "pretrained-classification")
    page.get_by_role("tab", name=re.compile("Grad-CAM")).click()
    wait_for_text(page, "Grad-CAM of")
    wait_until_idle(page)
    assert_no_errors(page)
    screenshot(page, "pretrained-gradcam")
    page.get_by_role("tab", name=re.compile("Transfer learning")).click()
    wait_for_text(page, "Synthetic classes.")
    wait_until_idle(page)
    assert_no_errors(page)
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert len(metrics) == 2 and all(m.endswith("%") for m in metrics), metrics
    screenshot(page, "pretrained-transfer")
