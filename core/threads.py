"""Thread pools sized for a shared host. Each visitor's run (and each bench worker) gets `threads` threads in
BLAS/OpenMP, OpenCV, SimpleITK and TensorFlow, so that ten concurrent runs on a 2-core server don't start forty
threads that fight for the cores: a method's time under load stays near its time alone, and no run starves the
others.

    limit_threads(app_threads())  # cheap to call again: it acts only when new modules were imported since
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

THREADS = "IPCV_THREADS"  # overrides app_threads()
_applied: tuple[int, int] | None = None  # (threads, number of modules) at the last call
_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")


def available_cores() -> int:
    """The cores this process may really use: its CPU affinity, and a container's CPU quota (cgroup v2 cpu.max,
    which Streamlit Community Cloud sets while os.cpu_count() reports the host's cores)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def app_threads() -> int:
    """Threads per run in the app: half the cores (one on a 2-core host), or IPCV_THREADS."""
    try:
        return max(1, int(os.environ[THREADS]))
    except (KeyError, ValueError):
        return max(1, available_cores() // 2)


def limit_threads(threads: int = 1) -> None:
    """Limit the thread pools of every library loaded so far to `threads`, and of those loaded later through
    their environment variables (TensorFlow and OpenMP read them when they start)."""
    global _applied
    if _applied == (threads, len(sys.modules)):
        return
    for name in _ENV:
        os.environ[name] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    if "cv2" in sys.modules:
        sys.modules["cv2"].setNumThreads(threads)
    if "SimpleITK" in sys.modules:
        sys.modules["SimpleITK"].ProcessObject.SetGlobalDefaultNumberOfThreads(threads)
    _applied = (threads, len(sys.modules))
