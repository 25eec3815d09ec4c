"""Face verification in real Chromium: a sample pair is verified (verdict, gauge, aligned crops), and the ROC tab
scores the synthetic pairs."""
import re

import pytest

from tests.e2e.conftest import assert_no_errors, screenshot, wait_for_text, wait_until_idle

pytestmark = pytest.mark.e2e


def _captions(page) -> list[str]:
    return page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()


def test_face_verification_gives_a_verdict_and_a_roc(page, app_url):
    page.goto(f"{app_url}/face_verification?fv.n_ids=6")
    wait_until_idle(page)
    assert_no_errors(page)
    assert not page.locator('[data-testid="stAlertContentError"]').count()
    wait_for_text(page, "Same person")
    distances = [float(m) for t in _captions(page) for m in re.findall(r"distance ([\d.]+) vs threshold 0.6\b", t)]
    assert len(distances) == 1 and distances[0] < 0.6, distances
    assert page.get_by_text(re.compile("aligned face A")).count() == 1
    assert page.locator(".js-plotly-plot").count() >= 3  # a gauge per method
    screenshot(page, "face-verification")
    page.get_by_text("Same person").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "face-verification-verdict")
    page.get_by_role("tab", name=re.compile("Labelled pairs")).click()
    wait_for_text(page, "Synthetic pairs.")
    wait_until_idle(page)
    assert_no_errors(page)
    wait_for_text(page, re.compile(r"dlib ResNet embedding \(AUC [\d.]+\)"))
    legend = page.get_by_text(re.compile(r"dlib ResNet embedding \(AUC [\d.]+\)")).first.text_content()
    assert float(re.search(r"AUC ([\d.]+)", legend).group(1)) > 0.9, legend
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "face-verification-roc")
