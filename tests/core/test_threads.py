"""Thread pools sized for a shared host (core.threads)."""
import os

import cv2
import numpy as np
from threadpoolctl import threadpool_info

from core import threads


def test_limit_threads_sets_loaded_libraries_and_the_environment_of_later_ones(monkeypatch):
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        monkeypatch.delenv(name, raising=False)
    previous = cv2.getNumThreads()
    try:
        threads.limit_threads(1)
        assert cv2.getNumThreads() == 1
        assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ["TF_NUM_INTRAOP_THREADS"] == "1"
        assert os.environ["TF_NUM_INTEROP_THREADS"] == "1"
        np.dot(np.ones((64, 64)), np.ones((64, 64)))
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    finally:
        cv2.setNumThreads(previous)
        threads._applied = None


def test_app_threads_is_half_the_usable_cores_or_the_override(monkeypatch):
    monkeypatch.delenv(threads.THREADS, raising=False)
    monkeypatch.setattr(threads, "available_cores", lambda: 2)
    assert threads.app_threads() == 1
    monkeypatch.setattr(threads, "available_cores", lambda: 8)
    assert threads.app_threads() == 4
    monkeypatch.setenv(threads.THREADS, "3")
    assert threads.app_threads() == 3
    monkeypatch.setenv(threads.THREADS, "many")
    assert threads.app_threads() == 4


def test_available_cores_reads_a_container_quota(monkeypatch, tmp_path):
    real = threads.Path
    quota = tmp_path / "cpu.max"
    quota.write_text("150000 100000\n")
    monkeypatch.setattr(threads, "Path", lambda p: quota if p == "/sys/fs/cgroup/cpu.max" else real(p))
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: set(range(16)))
    assert threads.available_cores() == 1
    quota.write_text("max 100000\n")
    assert threads.available_cores() == 16
