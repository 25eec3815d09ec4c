"""The cached runner keys on a digest of every pixel, and turns errors into messages."""
import numpy as np
import pytest

from core.registry import DENOISE, Method, Param
from ui.runner import run_method

CALLS = []


def _brighten(image, *, amount=0.1):
    CALLS.append(float(image.sum()))
    if amount < 0:
        raise ValueError("Amount must not be negative.")
    return np.clip(image + amount, 0, 1)


BRIGHTEN = Method(key="test_brighten", task=DENOISE, label="Brighten (test)", function=_brighten,
                  params=(Param("amount", "Amount", 0.1, min=-1.0, max=1.0),))


def test_images_differing_in_one_pixel_get_different_results():
    a = np.zeros((1024, 1024), np.float32)  # over Streamlit's sampled-hash threshold
    b = a.copy()
    b[517, 311] = 0.5
    first = run_method(BRIGHTEN, (a,), {"amount": 0.1})
    second = run_method(BRIGHTEN, (b,), {"amount": 0.1})
    assert first.ok and second.ok
    assert first.image[517, 311] == pytest.approx(0.1)
    assert second.image[517, 311] == pytest.approx(0.6)


def test_same_inputs_come_from_the_cache():
    image = np.full((64, 64), 0.25, np.float32)
    CALLS.clear()
    run_method(BRIGHTEN, (image,), {"amount": 0.2})
    run_method(BRIGHTEN, (image.copy(),), {"amount": 0.2})
    assert len(CALLS) == 1
    run_method(BRIGHTEN, (image,), {"amount": 0.3})
    assert len(CALLS) == 2


def test_errors_become_messages_and_metrics_are_computed():
    image = np.full((64, 64), 0.25, np.float32)
    failed = run_method(BRIGHTEN, (image,), {"amount": -0.5})
    assert not failed.ok and "negative" in failed.error
    unknown = run_method(BRIGHTEN, (image,), {"bogus": 1})
    assert not unknown.ok and "bogus" in unknown.error
    good = run_method(BRIGHTEN, (image,), {"amount": 0.0}, truth=image)  # scored by the task: PSNR, SSIM
    assert good.ok and np.isinf(good.metrics["psnr"])


def test_inputs_digest_takes_lists_of_differently_sized_images():
    import numpy as np

    from core.image import digest
    from ui.runner import inputs_digest

    a, b = np.zeros((4, 4), np.float32), np.ones((3, 5), np.float32)
    assert inputs_digest((a, None)) == digest(a, None)  # arrays digest as before
    assert inputs_digest(([a, b],)) != inputs_digest(([b, a],))  # order matters (stitching left to right)
    assert inputs_digest(([a, b],)) != inputs_digest(([a],))


def test_a_slow_method_waits_for_the_heavy_queue_and_its_time_leaves_the_wait_out(monkeypatch):
    import threading
    import time

    from core.jobs import HEAVY

    monkeypatch.setattr(HEAVY, "slots", 1)

    slow = Method(key="test_slow_brighten", task=DENOISE, label="Slow brighten (test)", function=_brighten,
                  params=BRIGHTEN.params, slow=True)
    started, release = threading.Event(), threading.Event()

    def other_visitors_bm3d():
        with HEAVY.slot("another session"):
            started.set()
            release.wait(5)

    holder = threading.Thread(target=other_visitors_bm3d)
    holder.start()
    started.wait(5)
    threading.Timer(0.6, release.set).start()
    began = time.perf_counter()
    result = run_method(slow, (np.full((16, 16), 0.5, np.float32),), {"amount": 0.25}, show_progress=False)
    waited = time.perf_counter() - began
    holder.join()
    assert result.ok and result.image[0, 0] == pytest.approx(0.75)
    assert waited >= 0.5  # it queued behind the other job
    assert result.seconds < 0.3  # the time shown is the method's own
    assert HEAVY.running == 0 and HEAVY.waiting == 0
