"""Figure cache keys: every pixel counts, results are keyed by content, objects without one are not cached."""
import numpy as np
import pandas as pd
import pytest

from core.registry import Output, get_method
from ui.memo import Unkeyed, fingerprint
from ui.plots import cached_figure, heatmap
from ui.runner import RunResult


def test_arrays_differing_in_one_pixel_get_different_keys():
    a = np.zeros((600, 600), np.float32)  # over Streamlit's 500,000-element sampling threshold
    b = a.copy()
    b[317, 401] = 1e-3
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint({"x": a}) == fingerprint({"x": a.copy()})


def test_run_results_and_tables_are_keyed_by_content():
    method = get_method("denoise", "median")
    first = RunResult(method, {"size": 3}, Output(np.zeros((4, 4), np.float32)), 0.1, None)
    same = RunResult(method, {"size": 3}, Output(np.zeros((4, 4), np.float32)), 0.1, None)
    other = RunResult(method, {"size": 3}, Output(np.ones((4, 4), np.float32)), 0.1, None)
    assert fingerprint(first) == fingerprint(same) != fingerprint(other)
    frame = pd.DataFrame({"area": [1, 2, 3]})
    assert fingerprint(frame) != fingerprint(pd.DataFrame({"area": [1, 2, 4]}))


def test_lambdas_and_opaque_objects_are_built_every_time():
    with pytest.raises(Unkeyed):
        fingerprint(lambda x: x)
    with pytest.raises(Unkeyed):
        fingerprint(object())
    calls = []

    def build(value):
        calls.append(value)
        return value

    marker = object()
    assert cached_figure(build, marker) is marker and cached_figure(build, marker) is marker
    assert len(calls) == 2
    cached_figure(build, 1), cached_figure(build, 1)  # `build` is a closure: never cached either
    assert len(calls) == 4


def test_heatmaps_are_sent_at_most_256_px_in_source_coordinates():
    figure = heatmap(np.random.default_rng(0).random((512, 300)))
    trace = figure.data[0]
    assert np.asarray(trace.z).shape == (256, 150)
    assert trace.x[-1] == 298 and trace.y[-1] == 510


CALLS = []


def double(values):
    CALLS.append(1)
    return values * 2


def test_memo_computes_once_per_content_and_shares_a_read_only_array():
    from ui.memo import memo

    calls = CALLS
    a = np.arange(6.0)
    first, again = memo(double, a), memo(double, a.copy())
    assert first is again and len(calls) == 1 and not first.flags.writeable
    memo(double, a + 1)
    assert len(calls) == 2


def _overlay(image: np.ndarray) -> np.ndarray:
    return np.clip(np.stack([image, image * 0.5, 1 - image], axis=-1), 0, 1).astype(np.float32)


def test_pictures_are_kept_as_uint8_and_shown_like_float_ones():
    import base64
    import io

    from PIL import Image

    from core.image import picture, to_uint8
    from ui.memo import memo_picture
    from ui.plots import split_view, synced_images

    image = np.random.default_rng(3).random((48, 64)).astype(np.float32)
    kept = memo_picture(_overlay, image)
    assert kept.dtype == np.uint8 and kept.nbytes * 4 == _overlay(image).nbytes
    assert np.array_equal(kept, to_uint8(_overlay(image)))
    assert memo_picture(_overlay, image) is kept  # cached
    assert picture(kept) is kept and picture(np.full((2, 2), 1.5)).max() == 1.0
    figure = synced_images({"float": _overlay(image), "uint8": kept, "gray": image})
    decoded = [np.array(Image.open(io.BytesIO(base64.b64decode(trace.source.split(",", 1)[1]))))
               for trace in figure.data]
    assert np.array_equal(decoded[0], decoded[1])  # a uint8 picture shows as its float original does
    assert decoded[2].shape == (48, 64) and np.array_equal(decoded[2], to_uint8(image))  # gray: one channel
    assert np.array_equal(split_view(kept, _overlay(image), 0.5)[:, :20], kept[:, :20])
