"""Barcodes & QR page in real Chromium: type a payload, the generated QR code is pasted and every QR reader
decodes it back."""
import re

import pytest

from tests.e2e.conftest import assert_no_errors, screenshot, wait_for_text, wait_until_idle

pytestmark = pytest.mark.e2e

PAYLOAD = "Hello from Chromium ✓ বাংলা"


def _texts(page) -> list[str]:
    return page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()


def test_generate_a_code_and_see_it_decoded(page, app_url):
    page.goto(f"{app_url}/barcodes_qr?qr.gen.size=384")
    wait_until_idle(page)
    assert_no_errors(page)
    assert sum(t.startswith("2 codes") for t in _texts(page)) >= 1  # zxing-cpp reads the QR code and the EAN-13
    box = page.get_by_role("textbox", name="Payload (UTF-8 text)")
    box.fill(PAYLOAD)
    box.press("Control+Enter")
    wait_for_text(page, re.compile(re.escape(f"QR Code: {PAYLOAD}")))
    wait_until_idle(page)
    assert_no_errors(page)
    decoded = [t for t in _texts(page) if f"QR Code: {PAYLOAD}" in t]
    assert len(decoded) >= 3, decoded  # zxing-cpp, OpenCV and WeChat at least
    screenshot(page, "barcodes_qr")
