"""The warm-up (ui.warmup) computes a page's default view with the very cache entries a visitor's first run looks
up: after it, opening the page computes no method again."""
from core.caching import CACHES
from tests.pages.helpers import open_page
from ui.warmup import warm


def _misses() -> int:
    return sum(cache.misses for cache in CACHES)


def test_a_warmed_page_opens_from_the_caches():
    status = warm(["pages/denoising.py", "pages/thresholding.py"])
    assert all(outcome.startswith("ok") for outcome in status.values()), status
    from ui.runner import _cached_run

    assert len(_cached_run.cache) >= 2  # the default denoisers' results
    before = _misses()
    for page in ("pages/denoising.py", "pages/thresholding.py"):
        at = open_page(page)
        assert not at.exception
        assert at.title and at.title[0].value  # the page really ran
    assert _misses() == before, "a visitor's first run computed what the warm-up had computed"


def test_a_page_that_fails_bare_is_skipped_with_its_error(tmp_path, monkeypatch):
    import ui.warmup

    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "broken.py").write_text("raise RuntimeError('no sample image')\n")
    monkeypatch.setattr(ui.warmup, "ROOT", tmp_path)
    status = warm(["pages/broken.py"])
    assert status["pages/broken.py"] == "RuntimeError: no sample image"
