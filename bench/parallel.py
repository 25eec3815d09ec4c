"""The run on Dask distributed: `--jobs N` starts a local cluster of N worker processes with one thread each;
`--scheduler ADDRESS` uses a running cluster (`dask scheduler` / `dask worker`).

One Dask task per (case, variant). Each case is made here and scattered once; its tasks take the scattered
future, slow methods first (higher priority). A bounded window of cases is in flight, so memory stays flat on
thousands of images. Inside the worker, BLAS, OpenMP, OpenCV and SimpleITK use one thread (`--threads`, as in a
serial run), and the method is timed there. A method that raises is recorded with its error (`bench.runner`); a
worker that dies takes its running task and the cases scattered to it along: those are scattered again and their
tasks resubmitted, up to `ATTEMPTS` times, after which the case is recorded as lost with its worker (a resumed run
tries it again).
"""
from __future__ import annotations

import logging
import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import urlsplit

import numpy as np

from bench.cases import Case
from bench.engine import CaseRef, Collector, execute, lost_record
from bench.grid import Variant
from core.registry import Task
from core.threads import limit_threads

CONNECT_TIMEOUT = 4  # seconds: an unreachable scheduler is reported well within 10 s
ATTEMPTS = 3  # tries of a case whose worker died
INLINE_BYTES = 64 * 1024  # smaller cases travel inside their tasks; larger ones are scattered once
WINDOW_BYTES = 1 << 30  # cases in flight: at most 64 per worker, and about this many bytes of their arrays
# dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which turns off glibc's adaptive mmap threshold:
# every large temporary array is then mapped and unmapped, and numpy-heavy methods (TV, MAP) run 1.5-3x slower
# than in a plain process. The local cluster starts its workers without it, and without the statistical
# profiler that samples the running thread every 10 ms (10-12 % on these methods).
TRIM_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
PROFILE_KEY = "distributed.worker.profile.enabled"
# On Linux the local workers are forked from this process, which has already imported the task's modules
# (numpy, scikit-image, SciPy, OpenCV...): each spawned worker spent about 2 s of CPU importing them again, 4 s in
# all on 2 cores, which a run of 16 x 16 cases cannot win back. The thread limits are set here first, so the
# workers inherit them. Elsewhere (macOS forks badly with threads), and in a process that has started a runtime
# with thread pools a child cannot inherit (TensorFlow, ONNX Runtime, torch), dask's default, spawn, is kept.
START_KEY = "distributed.worker.multiprocessing-method"
FORK_UNSAFE = ("tensorflow", "onnxruntime", "torch")
# Every server's event loop wakes up for its own bookkeeping: a tick every 20 ms (to warn of a blocked loop), a
# system monitor every 0.5 s (for the dashboard) and a memory check every 0.1 s. In a worker that is 4 % of a core
# taken from the method it runs (measured on a 20 s method: 0.78 s of the loop's CPU, 0.43 s with these).
QUIET_LOOPS = {"distributed.admin.tick.interval": "1s", "distributed.admin.system-monitor.interval": "5s",
               "distributed.worker.memory.monitor-interval": "1s"}
NO_WORKER_LIMIT = 120  # seconds with no worker at all before the run gives up (a resumed run continues it)


def run_unit(case: Case, task: Task, variant: Variant, repeat: int, threads: int = 1) \
        -> tuple[dict | None, bool, list[str]]:
    """The Dask task: one variant on one case, inside a worker."""
    from distributed import get_worker

    return execute(case, task, variant, repeat, where=get_worker().address, threads=threads)


def _probe(threads: int) -> dict:
    """Run on every worker before the work: the project imports there, and its threads are limited (also for the
    libraries it loads later: OpenBLAS and OpenMP read the limit when they start)."""
    limit_threads(threads)
    import threadpoolctl

    return {"blas_threads": max((p["num_threads"] for p in threadpoolctl.threadpool_info()), default=1),
            "malloc_trim": os.environ.get("MALLOC_TRIM_THRESHOLD_")}


def _scheduler_probe(dask_scheduler=None) -> bool:
    """Run on the scheduler: it can import the project."""
    return True


@dataclass
class Cluster:
    client: Any
    local: Any = None  # the LocalCluster we started, if any
    address: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def workers(self) -> int:
        return len(self.client.nthreads())

    def close(self) -> None:
        try:
            self.client.close(timeout=10)
        finally:
            if self.local is not None:
                self.local.close(timeout=10)


def _check_reachable(address: str) -> None:
    """A quick TCP connection first: a refused port or an unknown host is reported at once."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return
    try:
        port = parts.port or 8786
        with socket.create_connection((parts.hostname or "", port), timeout=CONNECT_TIMEOUT):
            pass
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot reach the Dask scheduler at {address} ({getattr(exc, 'strerror', None) or exc}); "
                         f"start one with `dask scheduler` and give its address, e.g. "
                         f"--scheduler tcp://HOST:8786.") from None


def _check_scheduler(address: str) -> None:
    """Ask the service at `address` who it is, within `CONNECT_TIMEOUT` (a listener that never answers, or one
    that is not a Dask scheduler, would otherwise keep the client waiting)."""
    import asyncio

    from distributed.core import rpc

    async def identity() -> dict:
        async with rpc(address, timeout=CONNECT_TIMEOUT) as remote:
            return await remote.identity()

    try:
        answer = asyncio.run(asyncio.wait_for(identity(), CONNECT_TIMEOUT))
    except Exception as exc:  # a refused, silent or foreign service: distributed raises many kinds
        why = f"no answer within {CONNECT_TIMEOUT} s" if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) \
            else f"it did not answer as a Dask scheduler does: {type(exc).__name__}: {str(exc)[:120]}"
        raise ValueError(f"cannot connect to the Dask scheduler at {address} ({why}); is a `dask scheduler` "
                         f"listening there?") from None
    if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        raise ValueError(f"the service at {address} is not a Dask scheduler; give the address that "
                         f"`dask scheduler` prints (tcp://HOST:8786).")


def connect(jobs: int | None, scheduler: str | None, threads: int = 1) -> Cluster:
    """A client on a new local cluster (`jobs` processes, one thread each) or on the scheduler at `scheduler`;
    methods will use `threads` threads in each worker. Raises ValueError with a sentence when it cannot."""
    from distributed import Client, LocalCluster

    if scheduler:
        _check_reachable(scheduler)
        _check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except Exception as exc:  # a refused, silent or foreign service: distributed raises many kinds
            raise ValueError(f"cannot connect to the Dask scheduler at {scheduler} ({type(exc).__name__}: "
                             f"{str(exc)[:200]}); is a `dask scheduler` listening there?") from None
        cluster = Cluster(client, None, scheduler)
        try:
            client.wait_for_workers(1, timeout=10)
        except Exception:
            cluster.close()
            raise ValueError(f"the Dask scheduler at {scheduler} has no workers; start some with "
                             f"`dask worker {scheduler} --nthreads 1` (see bench/README.md).") from None
    else:
        if jobs < 1:
            raise ValueError(f"--jobs must be at least 1, not {jobs}.")
        import dask

        settings = {TRIM_KEY: None, PROFILE_KEY: False, **QUIET_LOOPS}
        if _can_fork():
            limit_threads(threads)
            settings[START_KEY] = "fork"
        with dask.config.set(settings):  # see TRIM_KEY
            local = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                                 silence_logs=logging.CRITICAL)  # we say what we do about a lost worker
        cluster = Cluster(Client(local, set_as_default=False), local, local.scheduler_address)
    try:  # the scheduler unpickles every task: it needs the project too
        cluster.client.run_on_scheduler(_scheduler_probe)
    except Exception as exc:
        cluster.close()
        raise ValueError(f"the Dask scheduler cannot read the bench's tasks ({type(exc).__name__}: "
                         f"{str(exc)[:200]}); start `dask scheduler` with this project on its PYTHONPATH and the "
                         f"same packages (see bench/README.md).") from None
    try:
        probes = cluster.client.run(_probe, threads)
    except Exception as exc:
        cluster.close()
        raise ValueError(f"the Dask workers cannot run the bench ({type(exc).__name__}: {str(exc)[:200]}); start "
                         f"`dask worker` with this project on its PYTHONPATH and the same packages "
                         f"(see bench/README.md).") from None
    trimmed = sorted(address for address, probe in probes.items() if probe.get("malloc_trim"))
    if trimmed:
        cluster.warnings.append(
            f"{len(trimmed)} of the {len(probes)} Dask workers run with MALLOC_TRIM_THRESHOLD_ set (dask's default "
            f"for `dask worker`), which makes allocation-heavy methods 1.5-3x slower than in a plain process: their "
            f"seconds are not comparable with a serial run's. See bench/README.md to start workers without it.")
    return cluster


def _can_fork() -> bool:
    """Whether the local workers may be forked from this process (see START_KEY)."""
    return sys.platform.startswith("linux") and not any(name in sys.modules for name in FORK_UNSAFE)


def _nbytes(case: Case) -> int:
    """The bytes of a case's arrays (inputs and truth), lists of arrays included."""
    values = [*case.inputs.values(), case.truth]
    flat = [v for value in values for v in (value if isinstance(value, (list, tuple)) else [value])]
    return sum(v.nbytes for v in flat if isinstance(v, np.ndarray))


@dataclass
class _Open:
    """A case in flight: its data on the cluster and its tasks not yet finished (slot -> (future, tries))."""

    ref: CaseRef
    case: Case
    data: Any
    nbytes: int
    pending: dict[int, tuple[Any, int]] = field(default_factory=dict)


def run(cluster: Cluster, refs: Iterable[CaseRef], task: Task, collector: Collector, repeats: dict[str, int],
        *, window: int | None = None, threads: int = 1) -> None:
    """Every case on the cluster, each method with `threads` threads; records reach `collector` as they finish."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    client = cluster.client
    window = window or max(8, 64 * cluster.workers)
    token = uuid.uuid4().hex[:8]
    cases = iter(refs)
    open_cases: dict[int, _Open] = {}
    owner: dict[str, tuple[int, int]] = {}
    done = as_completed([], loop=client.loop)

    def submit(item: _Open, slot: int, tries: int) -> None:
        variant = collector.runs[slot]
        future = client.submit(run_unit, item.data, task, variant, repeats.get(variant.key, 1), threads, pure=False,
                               key=f"bench-{variant.key}-{token}-{item.ref.index}-{slot}-{tries}",
                               priority=1 if variant.slow else 0)
        item.pending[slot] = (future, tries)
        owner[future.key] = (item.ref.index, slot)
        done.add(future)

    def start(batch: list[tuple[CaseRef, Case, list[int]]]) -> None:
        large = [case for _, case, _ in batch if _nbytes(case) >= INLINE_BYTES]
        scattered = iter(client.scatter(large, hash=False) if large else [])
        for ref, case, todo in batch:  # a small case travels inside its tasks: one message less each
            data = next(scattered) if _nbytes(case) >= INLINE_BYTES else case
            item = open_cases[ref.index] = _Open(ref, case, data, _nbytes(case))
            for slot in sorted(todo, key=lambda s: not collector.runs[s].slow):  # slow methods first
                submit(item, slot, 1)

    def refill() -> None:
        if len(open_cases) > window // 2:  # refill in batches: one scatter for several cases
            return
        batch, held = [], sum(item.nbytes for item in open_cases.values())
        while len(open_cases) + len(batch) < window and (held < WINDOW_BYTES or not open_cases and not batch):
            ref = next(cases, None)
            if ref is None:
                break
            if ref.digest is not None and not collector.missing(ref, ref.digest, ref.settings):
                continue
            case = ref.make()
            todo = collector.missing(ref, case.digest, case.settings)
            if todo:
                batch.append((ref, case, todo))
                held += _nbytes(case)
        if batch:
            start(batch)

    def finished(item: _Open, slot: int, record: dict | None, crashed: bool, messages=()) -> None:
        item.pending.pop(slot, None)
        collector.add(item.ref.index, slot, record, crashed, messages)
        if not item.pending:
            del open_cases[item.ref.index]

    def retry(item: _Open, slot: int, tries: int, why: str) -> None:
        if tries >= ATTEMPTS:
            finished(item, slot, lost_record(item.case, task, collector.runs[slot], why), True)
            return
        variant = collector.runs[slot]
        collector.progress.message(f"{item.case.name} · {variant.key}: {why}; trying it again "
                                   f"(try {tries + 1} of {ATTEMPTS}).")
        if item.data is not item.case and item.data.status != "finished":  # lost with its worker: send again
            item.data = client.scatter(item.case, hash=False)
        submit(item, slot, tries + 1)

    refill()
    watch = _Watch(cluster)
    while open_cases:
        if not _wait_ready(done, 1.0):
            watch.idle()
            continue
        batch = done.next_batch(block=False)
        watch.busy()
        ready = [f for f in batch if f.status == "finished"]
        gathered = client.gather({f.key: f for f in ready}, errors="skip") if ready else {}
        results = {key: value for key, value in gathered.items() if value is not None}  # None: lost meanwhile
        for future in batch:
            index, slot = owner.pop(future.key)
            item = open_cases.get(index)
            if item is None or item.pending.get(slot, (None,))[0] is not future:
                continue
            tries = item.pending[slot][1]
            if future.key in results:
                finished(item, slot, *results[future.key])
            elif future.status in ("cancelled", "finished", "lost"):  # finished: its data was lost just after
                retry(item, slot, tries, "its data was lost when the worker holding it died")
            else:
                error = future.exception()
                if isinstance(error, KilledWorker):
                    finished(item, slot, lost_record(item.case, task, collector.runs[slot],
                                                     f"it was running when {ATTEMPTS} workers died"), True)
                else:  # it could not even start there (e.g. a module the worker cannot import)
                    record = lost_record(item.case, task, collector.runs[slot], "")
                    record["error"] = f"internal error on the worker: {type(error).__name__}: {error}"
                    finished(item, slot, record, True)
        refill()


def _wait_ready(done, seconds: float) -> bool:
    """Sleep until a finished task is queued in `done` (an as_completed), or `seconds` pass: woken by the
    condition as_completed notifies, so the client does not poll (which took CPU from the workers)."""
    with done.thread_condition:
        return done.thread_condition.wait_for(done.has_ready, timeout=seconds)


class _Watch:
    """Gives up when the cluster has had no worker for `NO_WORKER_LIMIT` seconds (checked every 5 s idle)."""

    def __init__(self, cluster: Cluster):
        self.cluster, self.checked, self.empty_since = cluster, time.monotonic(), None

    def busy(self) -> None:
        self.checked, self.empty_since = time.monotonic(), None

    def idle(self) -> None:
        now = time.monotonic()
        if now - self.checked < 5:
            return
        self.checked = now
        if self.cluster.workers:
            self.empty_since = None
            return
        self.empty_since = self.empty_since or now
        if now - self.empty_since > NO_WORKER_LIMIT:
            raise RuntimeError(f"the Dask cluster has had no worker for {NO_WORKER_LIMIT} s; the records so far "
                               f"are saved: start workers and rerun with --resume.")
