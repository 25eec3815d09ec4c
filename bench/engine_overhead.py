"""What the bench's engine costs per case, measured with a method that does nothing (and a task that scores
nothing), here one after another and on a local Dask cluster:

    python -m bench.engine_overhead [--cases 1000] [--size 32] [--jobs 1 2]

Per case: the wall time of the whole run divided by the number of cases, after a warm-up run (worker start and
imports excluded). On the cluster that is scattering, scheduling, running, gathering and recording each case.
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from bench import engine, parallel
from bench.cases import Case
from bench.engine import CaseRef, Collector, Progress
from bench.grid import Variant
from core.registry import DENOISE, Method

NOOP_TASK = dataclasses.replace(DENOISE, name="noop", scorer="", baseline=None, metrics=())


def noop(image):
    return image


def _refs(count: int, size: int) -> list[CaseRef]:
    image = np.random.default_rng(0).random((size, size), dtype=np.float32)
    cases = [Case(f"noop:{i}", {"image": image}, None, {"case": i}, f"noop{i}") for i in range(count)]
    return [CaseRef(i, case.name, lambda case=case: case) for i, case in enumerate(cases)]


def _runs() -> list[Variant]:
    return [Variant(Method("noop", NOOP_TASK, "No-op", noop), {})]


def measure(count: int, size: int, jobs: list[int]) -> list[dict]:
    rows = []
    collector = Collector(NOOP_TASK, _runs(), Progress(count, quiet=True))
    start = time.perf_counter()
    engine.run_serial(_refs(count, size), NOOP_TASK, collector, {"noop": 1})
    rows.append({"where": "serial", "cases": count, "ms": (time.perf_counter() - start) / count * 1000})
    for workers in jobs:
        cluster = parallel.connect(workers, None)
        try:
            warm = Collector(NOOP_TASK, _runs(), Progress(20, quiet=True))
            parallel.run(cluster, _refs(4 * workers, size), NOOP_TASK, warm, {"noop": 1})
            collector = Collector(NOOP_TASK, _runs(), Progress(count, quiet=True))
            start = time.perf_counter()
            parallel.run(cluster, _refs(count, size), NOOP_TASK, collector, {"noop": 1})
            wall = time.perf_counter() - start
        finally:
            cluster.close()
        inside = sum(r["seconds"] for r in collector.ordered()) / count * 1000
        rows.append({"where": f"Dask, {workers} worker(s)", "cases": count, "ms": wall / count * 1000,
                     "inside_ms": inside})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine_overhead", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--size", type=int, default=32, help="side of the (random) image of each case")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="local cluster sizes to measure")
    args = parser.parse_args(argv)
    print("| where | cases | wall ms per case | method ms per case (inside the worker) |")
    print("| --- | ---: | ---: | ---: |")
    for row in measure(args.cases, args.size, args.jobs):
        inside = f"{row['inside_ms']:.3f}" if "inside_ms" in row else "–"
        print(f"| {row['where']} | {row['cases']} | {row['ms']:.2f} | {inside} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
