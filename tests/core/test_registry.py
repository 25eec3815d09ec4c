import numpy as np
import pytest

from core.registry import DENOISE, TASKS, Param, get_method, methods_for


def test_param_kinds_and_coercion():
    assert Param("n", "N", 3, min=1, max=9).kind == "int"
    assert Param("w", "W", 0.1, min=0.0, max=1.0).coerce("2.5") == 1.0  # clamped
    assert Param("n", "N", 3, min=1, max=9).coerce(4.6) == 5
    assert Param("b", "B", False).coerce("true") is True
    choice = Param("mode", "Mode", "soft", choices=("soft", "hard"))
    assert choice.kind == "choice" and choice.coerce("hard") == "hard"
    with pytest.raises(ValueError, match="not one of"):
        choice.coerce("medium")
    with pytest.raises(ValueError, match="not a number"):
        Param("w", "W", 0.1, min=0.0, max=1.0).coerce("abc")
    with pytest.raises(ValueError, match="default"):
        Param("mode", "Mode", "x", choices=("a", "b"))


def test_sweep_values():
    assert Param("n", "N", 3, min=1, max=5).sweep_values(9) == [1, 2, 3, 4, 5]
    logs = Param("a", "A", 0.01, min=1e-4, max=1.0, log=True).sweep_values(5)
    assert logs == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert Param("m", "M", "a", choices=("a", "b")).sweep_values() == ["a", "b"]


@pytest.mark.parametrize("task", list(TASKS))
def test_every_task_has_well_formed_methods(task):
    methods = methods_for(task)
    # the restoration tasks compare many methods; every other task at least two (a comparison needs two)
    assert len(methods) >= (5 if task in ("denoise", "deblur") else 2)
    keys = [m.key for m in methods]
    assert len(keys) == len(set(keys))
    for m in methods:
        assert m.label and m.summary and m.explanation and m.latex and m.book, m.key
        for p in m.params:
            if p.kind in ("int", "float"):
                assert p.min is not None and p.max is not None and p.min <= p.default <= p.max, (m.key, p.name)
        assert get_method(task, m.key) is m


def test_unknown_method_and_param():
    with pytest.raises(KeyError, match="Unknown"):
        get_method(DENOISE, "does_not_exist")
    method = methods_for(DENOISE)[0]
    with pytest.raises(KeyError):
        method.resolve({"no_such_param": 1})


# -- the task protocol ------------------------------------------------------------------------------------

def test_metrics_format_and_describe_themselves():
    import math

    from core.registry import DENOISE, SEGMENT
    from core.tasks.protocol import Metric

    psnr = DENOISE.metric("psnr")
    assert psnr.title == "PSNR (dB)" and psnr.arrow == "↑" and psnr.format(28.314) == "28.31 dB"
    assert psnr.describe(28.314, 20.0) == "PSNR **28.31 dB** (+8.31)"
    assert psnr.format(math.inf) == "∞ dB" and psnr.format(None) == "–" and psnr.format(math.nan) == "–"
    segments = SEGMENT.metric("segments")
    assert segments.describe(1.0) == "1 segment" and segments.describe(3.0) == "3 segments"
    assert Metric("error_px", "error", " px", higher_is_better=False).arrow == "↓"
    assert DENOISE.describe({"psnr": 28.314, "ssim": 0.7641}) == "PSNR 28.31 dB · SSIM 0.764"
    assert DENOISE.metric("seconds").name == "seconds"
    with pytest.raises(KeyError, match="no metric"):
        DENOISE.metric("iou")


def test_without_a_truth_a_task_scores_only_its_truth_free_metrics():
    from core.registry import SEGMENT
    from core.tasks.protocol import Output

    labels = np.ones((16, 16), np.int32)
    labels[4:10, 4:10] = 2
    assert set(SEGMENT.score(None, Output(labels), {})) == {"segments"}
    truth = labels == 2
    scores = SEGMENT.score(truth, Output(labels), {})
    assert scores == {"iou": 1.0, "dice": 1.0, "segments": 2.0}


def test_outputs_that_break_their_kinds_contract_are_refused_with_a_sentence():
    from core.registry import DENOISE, SEGMENT, Method

    def wrong_shape(image):
        return image[:-1]

    def nan(image):
        return np.full_like(image, np.nan)

    image = np.zeros((12, 12), np.float32)
    with pytest.raises(ValueError, match="returned shape"):
        Method("wrong", DENOISE, "Wrong", wrong_shape).run(image)
    with pytest.raises(ValueError, match="NaN or infinite"):
        Method("nan", DENOISE, "NaN", nan).run(image)
    with pytest.raises(ValueError, match="not integers"):
        Method("floats", SEGMENT, "Floats", lambda image: image + 0.5).run(image)
    mask = Method("mask", SEGMENT, "Mask", lambda image: image > 0.5).run(image).image
    assert mask.dtype == bool  # a bool mask is a valid segmentation


def test_a_missing_input_names_what_to_give():
    from core.registry import get_method
    from core.tasks.protocol import MissingInput

    grabcut = get_method("segment", "grabcut")
    with pytest.raises(MissingInput, match="rectangle around the object"):
        grabcut.arguments({"image": np.zeros((8, 8), np.float32)})
    assert grabcut.input_names == ("image", "rect", "strokes")


@pytest.mark.parametrize("task_name, key", [("background_subtraction", "knn"), ("stitch", "stitcher_scans")])
def test_a_method_gives_the_same_result_whatever_used_opencv_random_numbers_before(task_name, key):
    import cv2

    from bench.cases import example_cases

    task = TASKS[task_name]
    method = get_method(task, key)
    case = example_cases(task, 2)[1]  # the example whose result the generator's state used to change
    inputs = [case.inputs[name] for name in method.input_names if name in case.inputs]
    first = method.run(*inputs)
    cv2.randu(np.zeros(1000, np.float32), 0, 1)  # what another method (or another visitor's run) may leave
    second = method.run(*inputs)
    assert first.image.shape == second.image.shape and np.array_equal(first.image, second.image)
