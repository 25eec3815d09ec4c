"""Measure what the UI's cached runner adds to a method's own time, and how long a page rerun takes.

    python -m bench.runner_overhead [--task denoise] [--size 512] [--repeat 5] [--pages all | denoising ...]

For each method: its own time (Method.run), the runner's time on a cache miss (digest, cache
store, result check), and on a hit. Then a full rerun of each page with nothing changed (AppTest).
"""
from __future__ import annotations

import argparse
import logging
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def runner_rows(task: str, size: int, repeat: int) -> list[dict]:
    from core.degrade import add_noise, degrade, gaussian_kernel
    from core.gallery import load_sample
    from core.image import prepare
    from core.registry import methods_for
    from ui.runner import _cached_run, run_method

    clean = prepare(load_sample("camera"), gray=True, max_side=size)
    if task == "denoise":
        inputs = (add_noise(clean, level=25 / 255, seed=0),)
    else:
        psf = gaussian_kernel(2.0)
        inputs = (degrade(clean, kernel=psf, noise="gaussian", level=0.01, seed=0), psf)
    rows = []
    for method in methods_for(task):
        if method.needs_tensorflow:  # the learned denoisers train or need a model file: bench.learned times them
            continue
        args = inputs + (None,) * (len(method.input_names) - len(inputs))  # optional needs (a known σ) unset
        reps = 1 if method.slow else repeat
        own = _median_time(lambda: method.run(*args), reps)

        def miss():
            _cached_run.clear()
            run_method(method, args, {}, show_progress=False)

        through_runner = _median_time(miss, reps)
        hit = _median_time(lambda: run_method(method, args, {}, show_progress=False), repeat)
        rows.append(dict(method=method.key, own=own, runner=through_runner, overhead=through_runner - own, hit=hit))
    return rows


def rerun_seconds(page: str, query: dict, repeat: int) -> tuple[float, float, float]:
    """First run, then the median rerun as AppTest sees it (its polling included) and as the page script
    itself takes (what a visitor waits for on the server)."""
    from streamlit.navigation.page import StreamlitPage
    from streamlit.testing.v1 import AppTest

    script_times: list[float] = []
    original = StreamlitPage.run

    def timed(self):
        start = time.perf_counter()
        try:
            return original(self)
        finally:
            script_times.append(time.perf_counter() - start)

    StreamlitPage.run = timed
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        for key, value in query.items():
            at.query_params[key] = value
        at.switch_page(page)
        start = time.perf_counter()
        at.run()
        first = time.perf_counter() - start
        if at.exception:
            raise SystemExit(f"{page} raised: {at.exception[0].message}")
        script_times.clear()
        apptest = _median_time(at.run, repeat)
        return first, apptest, statistics.median(script_times)
    finally:
        StreamlitPage.run = original


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.runner_overhead", description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=["denoise", "deblur"], action="append")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--pages", nargs="+", default=["denoising", "deblurring", "inpainting"],
                        help="page names (pages/NAME.py), or 'all'")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    for task in args.task or ["denoise", "deblur"]:
        print(f"\n## Runner overhead, {task}, {args.size}² gray (median of {args.repeat}; slow methods once)\n")
        print("| method | own s | via runner s | added ms | added % | cache hit ms |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in runner_rows(task, args.size, args.repeat):
            pct = 100 * r["overhead"] / r["own"] if r["own"] > 0 else np.nan
            print(f"| {r['method']} | {r['own']:.3f} | {r['runner']:.3f} | {1e3 * r['overhead']:.1f} | "
                  f"{pct:.1f} | {1e3 * r['hit']:.1f} |")
    if not args.skip_pages:
        names = sorted(p.stem for p in (ROOT / "pages").glob("*.py")) if args.pages == ["all"] else args.pages
        print("\n## Page reruns with nothing changed (AppTest, each page's defaults)\n")
        print("| page | first run s | rerun s (AppTest) | rerun s (page script) |")
        print("|---|---:|---:|---:|")
        for name in names:
            first, rerun, script = rerun_seconds(f"pages/{name}.py", {}, args.repeat)
            print(f"| {name} | {first:.2f} | {rerun:.3f} | {script:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
