"""The child process for TensorFlow work (core.worker): calls run there and come back with their value, their
exception type or their progress; a child that dies is replaced; an idle child is stopped; disabled, calls run
in-process; and a registered method marked in_worker gives the same result through ui.runner either way."""
import os

import numpy as np
import pytest

from core import worker
from core.worker import Worker, WorkerGone

HERE = __name__  # the child imports this module by the same name (spawn passes sys.path on)


def _steps(count, progress=None):
    for i in range(count):
        progress((i + 1) / count, f"step {i + 1}")
    return os.getpid(), np.arange(count)


def _fails():
    raise ValueError("a clear sentence")


@pytest.fixture
def child():
    w = Worker()
    yield w
    w.stop()


def test_a_call_runs_in_the_child_and_brings_back_value_time_and_progress(child):
    seen = []
    (pid, values), seconds = child.call(f"{HERE}:_steps", 3, progress=lambda f, t: seen.append((f, t)))
    assert pid != os.getpid() and pid == child.pid
    assert values.tolist() == [0, 1, 2] and 0 <= seconds < 5
    assert seen == [(1 / 3, "step 1"), (2 / 3, "step 2"), (1.0, "step 3")]
    (again, _), _ = child.call(f"{HERE}:_steps", 1, progress=lambda f, t: None)
    assert again == pid  # the same child serves the next call


def test_an_exception_in_the_child_is_raised_with_its_type(child):
    with pytest.raises(ValueError, match="a clear sentence"):
        child.call(f"{HERE}:_fails")
    assert child.call("operator:add", 2, 3)[0] == 5  # the child is still there


def test_a_child_that_dies_is_reported_and_replaced(child):
    child.call("operator:add", 1, 1)
    first = child.pid
    with pytest.raises(WorkerGone, match="exit code 3"):
        child.call("os:_exit", 3)
    assert not child.alive
    assert child.call("os:getpid")[0] not in (first, None)


def test_an_idle_child_is_stopped_and_a_busy_one_is_not(child):
    child.call("operator:add", 1, 1)
    assert not child.stop_if_idle(60.0)  # just used
    assert child.stop_if_idle(60.0, now=child.last_used + 61.0)
    assert not child.alive
    assert child.call("operator:add", 1, 2)[0] == 3  # started again on demand


def test_disabled_calls_run_here():
    assert not worker.enabled()  # only the app's real server enables it (ui.server)
    value, seconds = worker.call("os:getpid")
    assert value == os.getpid() and seconds >= 0


def test_a_registered_method_gives_the_same_result_through_the_worker(monkeypatch):
    from core.registry import DETECT, get_method
    from ui.runner import run_method
    from core.gallery import SAMPLES

    method = get_method(DETECT, "mtcnn")
    assert method.in_worker
    image = SAMPLES["astronaut"][0]()
    here = method.run(image)
    monkeypatch.setitem(worker._state, "enabled", True)
    try:
        result = run_method(method, (image,), {})
        assert worker.WORKER.alive  # it ran in the child
    finally:
        worker.WORKER.stop()
    assert result.ok, result.error
    np.testing.assert_allclose(result.output.image, here.image, atol=1e-5)  # the picture with its boxes
    assert result.output.extras["count"] == here.extras["count"] == 1  # the astronaut's face
    np.testing.assert_allclose(result.output.extras["boxes"], here.extras["boxes"], atol=1e-3)
