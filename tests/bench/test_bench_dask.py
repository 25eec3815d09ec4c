"""The bench on a real Dask cluster (2 worker processes, one thread each): the same records as a serial run
(seconds and workers aside), a worker that dies is replaced and its case retried, a method that raises is recorded
and the run goes on, and a run killed midway resumes without recomputing or duplicating a record."""
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import engine, parallel
from bench.cases import Case
from bench.engine import CaseRef, Collector, Progress
from bench.grid import Variant
from bench.cli import main
from core.gallery import load_sample
from core.registry import DENOISE, Method

distributed = pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster():
    local = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                     silence_logs=logging.CRITICAL)
    yield local
    local.close()


def records(path: Path) -> list[dict]:
    return json.loads(path.read_text())


def test_parallel_records_equal_serial_ones(cluster, tmp_path):
    argv = ["denoise", "--images", "sample:camera", "sample:astronaut", "--max-side", "64", "--repeat", "1",
            "--sigma", "15,30", "--methods", "median,gaussian,tv_chambolle", "--sweep", "median.size=3,5", "-q"]
    assert main([*argv, "--json", str(tmp_path / "serial.json")]) == 0
    assert main([*argv, "--scheduler", cluster.scheduler_address, "--json", str(tmp_path / "dask.json")]) == 0
    serial, dask = records(tmp_path / "serial.json"), records(tmp_path / "dask.json")
    assert len(serial) == 2 * 2 * 5

    def same(r):
        return {k: v for k, v in r.items() if k not in ("seconds", "worker")}

    assert [same(r) for r in dask] == [same(r) for r in serial]  # same order, scores to the last bit
    assert {r["worker"] for r in serial} == {"local"}
    assert {r["worker"] for r in dask} <= set(cluster.scheduler_info["workers"])
    assert all(r["seconds"] > 0 for r in dask if r["method"] != "degraded")


FORKED = """
import json, os, sys
from bench import parallel
from core.registry import DENOISE, methods_for

methods_for(DENOISE)  # the denoisers' modules, imported here
cluster = parallel.connect(2, None, threads=1)
try:
    seen = cluster.client.run(lambda: ["core.denoise.filters" in sys.modules, os.environ.get("OMP_NUM_THREADS")])
finally:
    cluster.close()
print(json.dumps(sorted(seen.values())))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="local workers are forked on Linux only")
def test_local_workers_are_forked_with_the_modules_and_limits_already_loaded(tmp_path):
    script = tmp_path / "forked.py"
    script.write_text(FORKED)
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == [[True, "1"], [True, "1"]]  # nothing imported again


def test_parallel_can_fork_only_without_runtimes_that_hold_threads(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.delitem(sys.modules, "onnxruntime", raising=False)
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    assert parallel._can_fork()
    monkeypatch.setitem(sys.modules, "onnxruntime", object())
    assert not parallel._can_fork()
    monkeypatch.delitem(sys.modules, "onnxruntime")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not parallel._can_fork()


def test_a_local_cluster_run_gives_the_serial_records(tmp_path):
    argv = ["denoise", "--images", "sample:camera", "sample:astronaut", "--max-side", "64", "--repeat", "1",
            "--sigma", "15,30", "--methods", "median,gaussian,bilateral_sitk,nlm_cv,tv_chambolle", "-q"]
    assert main([*argv, "--json", str(tmp_path / "serial.json")]) == 0
    done = subprocess.run([sys.executable, "-m", "bench", *argv, "--jobs", "2", "--json", str(tmp_path / "dask.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    serial, dask = records(tmp_path / "serial.json"), records(tmp_path / "dask.json")
    assert len(serial) == 2 * 2 * 6

    def same(r):
        return {k: v for k, v in r.items() if k not in ("seconds", "worker")}

    assert [same(r) for r in dask] == [same(r) for r in serial]  # forked workers: scores to the last bit
    assert all(r["worker"].startswith("tcp://") for r in dask)


def _methods(mark: str) -> list[Method]:
    """Made here, so that they travel to the workers by value (cloudpickle), not as an import of this file."""
    def dies_once(image):
        if not os.path.exists(mark):
            open(mark, "w").close()
            os._exit(3)  # the worker process dies, as on a segfault or the OOM killer
        return image

    def refuses(image):
        raise ValueError("This method needs a colour image.")

    return [Method("dies_once", DENOISE, "Dies once", dies_once), Method("refuses", DENOISE, "Refuses", refuses),
            Method("halves", DENOISE, "Halves", lambda image: image * 0.5)]


def test_a_dead_worker_is_retried_elsewhere_and_an_error_is_recorded(cluster, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "INLINE_BYTES", 0)  # scatter every case: its data dies with the worker too
    mark = str(tmp_path / "died")
    runs = engine.slots(DENOISE, [Variant(m, {}) for m in _methods(mark)])
    clean = load_sample("camera")[:64, :64]
    refs = [CaseRef(i, f"crop{i}", lambda i=i: Case(f"crop{i}", {"image": clean}, clean, {"i": i}, f"d{i}"))
            for i in range(3)]
    collector = Collector(DENOISE, runs, Progress(12, quiet=True))
    client = distributed.Client(cluster.scheduler_address, set_as_default=False)
    try:
        parallel.run(parallel.Cluster(client), refs, DENOISE, collector, {})
    finally:
        client.close()
    got = collector.ordered()
    assert [(r["image"], r["method"]) for r in got] == [
        (f"crop{i}", m) for i in range(3) for m in ("degraded", "dies_once", "refuses", "halves")]
    assert os.path.exists(mark)  # one worker did die
    assert all("error" not in r for r in got if r["method"] != "refuses"), got
    assert all(r["error"] == "This method needs a colour image." for r in got if r["method"] == "refuses")
    assert all(r["worker"].startswith("tcp://") for r in got)
    assert collector.crashes == 0


def test_methods_run_with_the_threads_asked_for_serially_and_in_the_workers(cluster, tmp_path):
    seen = tmp_path / "threads.txt"

    def counts_threads(image):  # made here: it travels to the workers by value
        import cv2
        import threadpoolctl

        blas = max((p["num_threads"] for p in threadpoolctl.threadpool_info()), default=1)
        with open(seen, "a") as file:
            file.write(f"{cv2.getNumThreads()} {blas}\n")
        return image

    runs = engine.slots(DENOISE, [Variant(Method("counts_threads", DENOISE, "Counts", counts_threads), {})])
    clean = load_sample("camera")[:32, :32]
    refs = [CaseRef(i, f"crop{i}", lambda i=i: Case(f"crop{i}", {"image": clean}, clean, {"i": i}, f"t{i}"))
            for i in range(2)]
    client = distributed.Client(cluster.scheduler_address, set_as_default=False)
    try:
        for threads in (2, 1):
            seen.unlink(missing_ok=True)
            engine.run_serial(refs, DENOISE, Collector(DENOISE, runs, Progress(4, quiet=True)), {}, threads=threads)
            parallel.run(parallel.Cluster(client), refs, DENOISE, Collector(DENOISE, runs, Progress(4, quiet=True)),
                         {}, threads=threads)
            cv, blas = zip(*(map(int, line.split()) for line in seen.read_text().splitlines()))
            assert cv == (threads,) * 4
            # a library loaded while an earlier run's lower limit was set (OpenBLAS reads it when it starts)
            # keeps that lower count: never more than asked for
            assert len(blas) == 4 and max(blas) <= threads
    finally:
        client.close()


SCRIPT = """
import sys, time
from bench.cli import main
from core.registry import DENOISE, method

@method(task=DENOISE, key="sleepy", label="Sleepy")
def sleepy(image):
    time.sleep(0.1)
    return image

if __name__ == "__main__":  # not again in the Dask workers, which import this file as their main module
    raise SystemExit(main(["denoise", "--example", "40", "--methods", "sleepy", "--repeat", "1",
                           "--out", sys.argv[1], *sys.argv[2:]]))
"""


def test_a_killed_run_resumes_without_recomputing_or_duplicating(tmp_path):
    script, out = tmp_path / "sleepy_run.py", tmp_path / "run.jsonl"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen([sys.executable, str(script), str(out), "--jobs", "2", "-q"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and first.poll() is None:
        if out.exists() and out.read_text().count("\n") >= 8:
            break
        time.sleep(0.05)
    assert first.poll() is None, "the run ended before it could be killed: " + first.stderr.read().decode()[-2000:]
    os.killpg(first.pid, signal.SIGKILL)  # the client and its local cluster, at once
    first.wait(30)
    first.stderr.close()
    before = [line for line in out.read_text().splitlines(keepends=True) if line.endswith("\n")]
    assert 8 <= len(before) < 80
    second = subprocess.run([sys.executable, str(script), str(out), "--resume"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr[-2000:]
    lines = out.read_text().splitlines(keepends=True)
    assert lines[:len(before)] == before  # nothing rewritten
    keys = [(r["digest"], r["method"], json.dumps(r["params"], sort_keys=True)) for r in map(json.loads, lines)]
    assert len(keys) == len(set(keys)) == 80  # 40 examples × (degraded, sleepy), each once
    assert f"({len(before)} from the earlier run)" in second.stderr
    assert second.stdout.count("| example:") == 80
