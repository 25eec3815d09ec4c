from streamlit.testing.v1 import AppTest

from tests.pages.helpers import APP


def test_home_page_lists_chapter_pages():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Image Processing Method Explorer"
    assert any("Chapter 1" in s.value for s in at.subheader)
