import io
import re

import numpy as np
from PIL import Image

from tests.pages.helpers import errors, metric_captions, open_page, open_tab

PAGE = "pages/inpainting.py"
SMALL = {"inp.max_side": "128"}


def mask_psnr(caption: str) -> float:
    return float(re.search(r"Mask PSNR \*\*([\d.]+) dB", caption).group(1))


def infos(at) -> list[str]:
    return [i.value for i in at.info]


def test_defaults_fill_the_mask_better_than_the_mean():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    captions = metric_captions(at)
    assert len(captions) == 5  # masked input + mean fill, Telea, Navier-Stokes, biharmonic
    assert all("Mask PSNR" in c and "Mask SSIM" in c for c in captions)
    baseline, mean_fill, *others = [mask_psnr(c) for c in captions]
    assert mean_fill > baseline
    assert all(score > mean_fill + 3 for score in others), captions
    assert any("inside the mask" in c.value for c in at.caption)


def test_a_different_mask_changes_the_results():
    at = open_page(PAGE, SMALL)
    before = metric_captions(at)
    at.sidebar.slider(key="inp.mask.ratio").set_value(0.25).run()
    assert not at.exception and not errors(at)
    after = metric_captions(at)
    assert before[0] != after[0] and before[1:] != after[1:]
    for kind in ("text", "pixels"):
        at.sidebar.selectbox(key="inp.mask.kind").set_value(kind).run()
        assert not at.exception and not errors(at), errors(at)
        assert len(metric_captions(at)) == 5


def test_drawing_mode_with_no_strokes_asks_for_a_mask():
    at = open_page(PAGE, dict(SMALL, **{"inp.mask.source": "Draw"}))
    assert not at.exception, at.exception
    assert not errors(at)
    assert any("mask is empty" in text for text in infos(at))
    assert metric_captions(at) == []  # nothing runs on an empty mask
    assert any(b.label == "Inpaint with these strokes" for b in at.button)
    at.sidebar.slider(key="inp.mask.brush").set_value(40).run()
    at.sidebar.button(key="inp.mask.clear").click().run()  # a fresh canvas
    assert not at.exception and not errors(at)
    assert at.session_state["inp.mask.editor"]["version"] == 1


def test_empty_generated_mask_is_a_clear_error():
    at = open_page(PAGE, dict(SMALL, **{"inp.mask.ratio": "0.0"}))
    assert not at.exception
    assert any("mask is empty" in e for e in errors(at)), errors(at)
    assert metric_captions(at) == []


def test_mask_covering_everything_is_a_clear_error():
    at = open_page(PAGE, dict(SMALL, **{"inp.mask.kind": "pixels", "inp.mask.ratio": "1.0"}))
    assert not at.exception
    assert any("covers the whole image" in e for e in errors(at)), errors(at)
    assert metric_captions(at) == []


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_mode_and_bad_uploaded_masks():
    at = open_page(PAGE, dict(SMALL, **{"inp.mask.source": "Upload"}))
    assert not at.exception
    assert any("Upload a black-and-white mask" in text for text in infos(at))
    # AppTest cannot upload a file: check the function the page calls with the upload's bytes
    from core.image import digest
    from ui.mask_controls import uploaded_mask

    def use(array, shape=(128, 128)):
        data = _png(array)
        return uploaded_mask(digest(np.frombuffer(data, np.uint8)), shape, data)

    ramp = np.tile(np.linspace(0, 255, 256).astype(np.uint8), (256, 1))
    mask, error, _ = use(ramp)
    assert mask is None and "not black and white" in error
    mask, error, _ = use(np.zeros((100, 300), np.uint8))
    assert mask is None and "300×100 pixels but the image is 128×128" in error
    good = np.zeros((256, 256), np.uint8)
    good[10:60, 10:200] = 255
    mask, error, notice = use(good)
    assert error is None and mask.shape == (128, 128) and "resized from 256×256" in notice


def test_sweep_scores_inside_the_mask_and_history_keeps_mask_scores():
    at = open_tab(open_page(PAGE, SMALL), "inp.tab", "Sweep")
    at.selectbox(key="inp.sweep.method").set_value("telea").run()
    at.selectbox(key="inp.sweep.p1").set_value("radius").run()
    at.button(key="inp.sweep.run").click().run()
    assert not at.exception
    assert any("Best Mask PSNR" in s.value for s in at.success), [s.value for s in at.success]
    history = open_tab(at, "inp.tab", "History").dataframe[0].value
    assert {"Mask PSNR (dB)", "Mask SSIM"} <= set(history.columns)
    assert history["Mask PSNR (dB)"].notna().all()


def test_metric_rows_for_the_csv_carry_the_mask_scores():
    from core.masks import apply_mask, random_strokes
    from core.registry import INPAINT, get_method
    from ui.comparison import Comparison

    clean = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (64, 1))
    mask = random_strokes(clean.shape, ratio=0.1, seed=0)
    damaged = apply_mask(clean, mask)
    comparison = Comparison(INPAINT, "inp", {"image": damaged, "mask": mask}, clean, baseline_label="Masked input")
    comparison.baseline = comparison.run(_Unchanged(), {})  # the masked input itself, scored like a method
    comparison.results = [comparison.run(get_method(INPAINT, "telea"), {})]
    rows = comparison.rows()
    assert rows[1]["psnr_mask"] > rows[0]["psnr_mask"] and 0 < rows[1]["ssim_mask"] <= 1
    assert {"psnr", "ssim", "mse", "psnr_mask", "ssim_mask", "seconds"} <= set(rows[0])


def _Unchanged():
    """A method of the inpaint task that returns the masked input as it is."""
    from core.registry import INPAINT, Method

    return Method("unchanged", INPAINT, "Masked input", lambda image, mask: image)


def test_small_images_get_a_larger_canvas_and_strokes_map_back_to_source_pixels():
    from ui.canvas import CanvasGeometry, mask_from_rgba

    geometry = CanvasGeometry.fit((128, 96), 512, min_width=448)
    assert (geometry.display_width, geometry.display_height) == (448, 597)
    assert CanvasGeometry.fit((128, 96), 512) == CanvasGeometry(128, 96, 128, 96)  # unchanged by default
    rgba = np.zeros((597, 448, 4), np.uint8)
    rgba[280:320, 100:300, 3] = 255  # a stroke on the enlarged canvas
    mask = mask_from_rgba(rgba, geometry)
    assert mask.shape == (128, 96)
    rows, cols = np.nonzero(mask)
    assert 58 <= rows.min() and rows.max() <= 69 and 20 <= cols.min() and cols.max() <= 65
