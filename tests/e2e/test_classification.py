"""Classification page in Chromium: the default classifiers run on the digits, and a digit drawn on the canvas
gets every model's class probabilities, which change as the drawing changes."""
import re

import pytest

from tests.e2e.conftest import assert_no_errors, drag_on, screenshot, wait_for_text, wait_until_idle

pytestmark = pytest.mark.e2e


def _answers(page) -> str:
    return page.get_by_text(re.compile(r"^Gaussian naive Bayes: \S")).first.inner_text()


def test_drawing_a_digit_shows_and_changes_every_models_probabilities(page, app_url):
    page.goto(f"{app_url}/classification")
    wait_until_idle(page)
    wait_for_text(page, "Misclassified by")
    assert_no_errors(page)
    screenshot(page, "classification")
    page.get_by_role("tab", name="Draw").click()
    wait_until_idle(page)
    canvas = page.locator("canvas.upper-canvas >> visible=true").first
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    drag_on(page, canvas, [(0.5, 0.15), (0.52, 0.5), (0.5, 0.88)], steps=10)  # a "1"
    wait_until_idle(page)
    wait_for_text(page, "Class probabilities of your drawing")
    first = _answers(page)
    assert "Random forest:" in first and "%" in first, first
    drag_on(page, canvas, [(0.15, 0.2), (0.85, 0.2), (0.3, 0.9)], steps=12)  # ... made into a "7"
    wait_until_idle(page)
    page.wait_for_timeout(500)
    second = _answers(page)
    assert second != first, second
    assert_no_errors(page)
    screenshot(page, "classification-draw")


def test_a_zip_of_class_folders_of_mixed_sizes_is_classified(page, app_url, tmp_path):
    from core.classify import datasets

    archive = tmp_path / "shapes.zip"
    archive.write_bytes(datasets.example_shapes_zip())
    page.goto(f"{app_url}/classification?cls.data=Zip&cls.methods=Random+forest")
    wait_until_idle(page)
    wait_for_text(page, "Upload a zip with one folder per class")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(archive))
    wait_until_idle(page)
    wait_for_text(page, "all were resized to 16×16")
    wait_for_text(page, "Misclassified by Random forest")
    assert_no_errors(page)
    assert datasets.load_class_zip(archive.read_bytes()).class_names == ("bar", "cross", "disc")
    assert page.get_by_text("3 classes").first.is_visible()
