"""Opening a page runs its script once: the drawing canvases report their empty value after they mount, which
reran the whole page about two seconds after it opened (three runs for interactive segmentation). The canvas now
sits in a fragment, so only the fragment reruns. Counted from the server's side (IPCV_RUN_LOG: one line per full
run of a page)."""
import time

import pytest

from tests.e2e.conftest import assert_no_errors, serve_app, wait_until_idle

pytestmark = pytest.mark.e2e

CANVAS_PAGES = {  # page path: its title, as ui.header writes it to the run log
    "thresholding?th.max_side=128": "Slicing & thresholding",
    "superpixels?sp.max_side=128": "Superpixels & graphs",
    "interactive_segmentation?is.max_side=128": "Interactive segmentation",
}


@pytest.fixture(scope="module")
def counted_app(tmp_path_factory):
    log = tmp_path_factory.mktemp("runs") / "runs.log"
    log.touch()
    for url in serve_app(IPCV_RUN_LOG=str(log)):
        yield url, log


def test_a_page_with_canvases_runs_once_when_opened(page, counted_app):
    url, log = counted_app
    for path in CANVAS_PAGES:
        before = len(log.read_text().splitlines())
        page.goto(f"{url}/{path}")
        wait_until_idle(page)
        page.locator("canvas").first.wait_for(state="attached")  # the canvases have mounted
        time.sleep(3.5)  # they used to report their value about 2 s later
        wait_until_idle(page)
        assert_no_errors(page)
        runs = log.read_text().splitlines()[before:]
        assert len(runs) == 1, f"{path}: {len(runs)} runs ({runs})"
