"""`python -m bench TASK ...`: run registered methods of a task over image files or its seeded synthetic examples,
score them with the task's own `score`, and compare them.

One subcommand per task of the registry. Every task runs on `--example N` (N seeded examples, `core.tasks`); the
tasks of `bench.setups.SETUPS` also run on `--images` (files, folders, globs, bundled samples) with their own
options, some of which take a list (a grid: one case per value). Runs go here one case after another, or on Dask
(`--jobs N`, `--scheduler ADDRESS`); `--out` appends every record to a JSON Lines file as it finishes and
`--resume` continues a run from it. Mistakes in the command (a bad path, an unreadable image named directly, an
unknown method or parameter, bad JSON, an empty grid) stop the run before any method runs, with one line on
stderr and exit status 2. Exit status 1 means the run finished but some method crashed (a bug; its traceback is
on stderr) or some case was lost with its worker.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import engine, report
from bench.cases import Case, Degradation, ImageSetup, example_cases
from bench.engine import CaseRef, Collector, Progress
from bench.grid import Variant, parse_params, parse_sweeps, variants
from bench.inputs import SAMPLE_PREFIX, ImageSet, scan_images
from bench.setups import SETUPS
from bench.store import Journal
from core.registry import TASKS, Method, Task, methods_for

PROG = "python -m bench"
DEFAULT_REPEAT, SLOW_REPEAT = 3, 1
MIN_MAX_SIDE = 16  # SSIM needs 11×11 pixels; below this the numbers mean little
MAX_EXAMPLES = 100_000

__all__ = ["main", "build_parser", "make_plan", "parse_params", "select", "describe"]


@dataclass
class Plan:
    task: Task
    settings: dict  # shown in the heading (a grid option: its values)
    runs: list[Variant]  # what runs on each case, the "degraded" row first when the task has one
    repeats: dict[str, int]
    refs: list[CaseRef]
    count: int  # cases (images × settings, or examples)
    skipped: list[tuple[str, str]]  # unreadable images found in folders: (path, why)
    outputs: dict[str, Path | None]  # json, report, csv


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Batch benchmark of the explorer's methods: run every "
                                     "method of a task on images or synthetic examples, score them with the task's "
                                     "metrics, compare their scores and run times.")
    tasks = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    for name, task in TASKS.items():
        setup = SETUPS.get(name)
        what = setup.help if setup else "run on seeded synthetic examples (--example N)"
        grid = ", ".join(f"--{dest.replace('_', '-')}" for dest in setup.grid) if setup else ""
        sub = tasks.add_parser(name, help=what, description=f"{task.label}: {what}.",
                               epilog=f"These options take a comma-separated list (a grid: one case per value and "
                                      f"image): {grid}." if grid else None)
        _add_common(sub, images=setup is not None and setup.cases is None)
        if setup is not None:
            setup.add_arguments(sub)
        sub.set_defaults(setup=setup, task_spec=task)
    return parser


def _add_common(parser: argparse.ArgumentParser, *, images: bool) -> None:
    source = parser.add_mutually_exclusive_group()
    if images:
        source.add_argument("--images", nargs="+", metavar="PATH",
                            help=f"image files, folders of images, glob patterns ('photos/*.jpg'), or "
                                 f"{SAMPLE_PREFIX}NAME for a bundled sample (e.g. {SAMPLE_PREFIX}camera)")
    source.add_argument("--example", type=int, metavar="N",
                        help="run on N seeded synthetic examples of the task (seeds 0 to N-1), with their truth")
    parser.add_argument("--methods", metavar="K1,K2", help="comma-separated method keys (default: all)")
    parser.add_argument("--params", metavar="JSON",
                        help='parameters per method key, e.g. \'{"median": {"size": 5}}\' (a list runs each value: '
                             '{"median": {"size": [3, 5, 7]}}), or @FILE to read the JSON from a file')
    parser.add_argument("--sweep", action="append", metavar="KEY.PARAM=V1,V2",
                        help="run one method with each value of a parameter, e.g. median.size=3,5,7 (repeatable; "
                             "several parameters of one method run every combination)")
    if images:
        parser.add_argument("--recursive", action="store_true", help="look for images in subfolders too")
        parser.add_argument("--max-side", type=int, default=512, metavar="N",
                            help="downscale so the longer side is at most N px; 0 keeps the full size (default: 512)")
        parser.add_argument("--color", action="store_true", help="keep colour (default: convert to gray)")
    parser.add_argument("--repeat", type=int, metavar="N",
                        help=f"time each run N times and report the median (default: {DEFAULT_REPEAT}, "
                             f"or {SLOW_REPEAT} for methods flagged slow)")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="threads each method may use (BLAS/OpenMP, OpenCV, SimpleITK), in a serial run and in "
                             "every Dask worker (default: 1, so that seconds compare between serial and parallel "
                             "runs, and a resumed run that mixes both)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=int, metavar="N",
                       help="run on a local Dask cluster of N worker processes, one thread each")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on a running Dask cluster, e.g. tcp://scheduler-host:8786 (see bench/README.md)")
    parser.add_argument("--out", metavar="RUN.jsonl", help="append every record to this JSON Lines file as it "
                                                           "finishes")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out: skip the cases already there")
    parser.add_argument("--json", metavar="OUT", help="also write the records to this JSON file")
    parser.add_argument("--csv", metavar="OUT", help="also write the records to this CSV file")
    parser.add_argument("--report", metavar="OUT.html", help="also write a self-contained HTML report (plotly)")
    parser.add_argument("--list", action="store_true", help="list the task's methods and parameters, then exit")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    task: Task = args.task_spec
    cluster = journal = None
    try:
        if args.list:
            print(describe(_registered(task)))
            return 0
        _check_options(args)
        if args.scheduler:  # before reading thousands of images: an unreachable scheduler is said at once
            cluster = _connect(args)
        plan = make_plan(args)
        journal = Journal(Path(args.out), task.name, resume=args.resume, note=_note(task)) if args.out else None
        if args.jobs is not None:
            cluster = _connect(args)
    except ValueError as exc:
        _close(cluster)
        _fail(task, str(exc))
    if plan.skipped:
        listed = "; ".join(f"{name} ({why})" for name, why in plan.skipped[:20])
        more = f"; and {len(plan.skipped) - 20} more" if len(plan.skipped) > 20 else ""
        _note(task)(f"skipped {len(plan.skipped)} unreadable image(s) found in folders: {listed}{more}.")
    for warning in getattr(cluster, "warnings", []):
        _note(task)(f"warning: {warning}")
    progress = Progress(plan.count * len(plan.runs), quiet=args.quiet)
    collector = Collector(task, plan.runs, progress, journal)
    code = 0
    try:
        if cluster is not None:
            from bench import parallel

            parallel.run(cluster, plan.refs, task, collector, plan.repeats, threads=args.threads)
        else:
            engine.run_serial(plan.refs, task, collector, plan.repeats, threads=args.threads)
    except KeyboardInterrupt:
        code = 130
    except (RuntimeError, ValueError) as exc:
        _note(task)(f"error: {exc}")
        code = 1
    finally:
        if journal is not None:
            journal.close()
        _close(cluster)
    progress.finish()
    if code:
        saved = f"; the {len(collector.records)} records so far are in {args.out}: rerun the same command with " \
                f"--resume to continue" if args.out else "; add --out RUN.jsonl to keep what a run has done"
        _note(task)(("interrupted" if code == 130 else "stopped") + saved + ".")
        return code
    records = collector.ordered()
    if plan.refs and plan.task.name in SETUPS and SETUPS[plan.task.name].cases is not None:
        records = [{"dataset": r.get("setting", {}).get("dataset", r.get("image")), **r} for r in records]
    _print_tables(args, plan, records)
    try:
        _write_outputs(task, plan, records, _note(task) if not args.quiet else (lambda message: None))
    except OSError as exc:
        _fail(task, f"cannot write {exc.filename}: {exc.strerror or exc}.")
    if collector.crashes:
        lost = f" ({collector.lost} lost with their worker: --resume tries them again)" if collector.lost else ""
        print(f"{PROG} {task.name}: {collector.crashes} method run(s) crashed{lost}; see the messages above.",
              file=sys.stderr)
        return 1
    return 0


def _note(task: Task):
    return lambda message: print(f"{PROG} {task.name}: {message}", file=sys.stderr)


def _fail(task: Task, message: str) -> None:
    print(f"{PROG} {task.name}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _connect(args: argparse.Namespace):
    from bench import parallel

    return parallel.connect(args.jobs, args.scheduler, args.threads)


def _close(cluster) -> None:
    if cluster is not None:
        cluster.close()


def _check_options(args: argparse.Namespace) -> None:
    if args.repeat is not None and args.repeat < 1:
        raise ValueError(f"--repeat must be at least 1, not {args.repeat}.")
    if not 1 <= args.threads <= 256:
        raise ValueError(f"--threads must be between 1 and 256, not {args.threads}.")
    if args.jobs is not None and not 1 <= args.jobs <= 512:
        raise ValueError(f"--jobs must be between 1 and 512, not {args.jobs}.")
    if args.resume and not args.out:
        raise ValueError("--resume continues the run in a JSON Lines file: give it with --out RUN.jsonl.")


def make_plan(args: argparse.Namespace) -> Plan:
    """Check the whole command before anything runs; raise ValueError with a user-facing sentence."""
    task: Task = args.task_spec
    setup: ImageSetup | None = args.setup
    images = getattr(args, "images", None)
    if setup is not None and setup.cases is not None and args.example is None:  # a data set, not image files
        return _setup_plan(args, task, setup)
    if args.example is None and not images:
        raise ValueError("give --images (files, folders, globs or sample:NAME) or --example N." if setup else
                         f"{task.name} runs on seeded synthetic examples: give --example N.")
    _check_options(args)
    outputs = {name: _output_path(getattr(args, name), f"--{name}") if getattr(args, name) else None
               for name in ("json", "report", "csv")}
    methods = select(_registered(task), args.methods, task)
    runs = engine.slots(task, variants(methods, parse_params(args.params), parse_sweeps(args.sweep), task))
    repeats = {m.key: args.repeat or (SLOW_REPEAT if m.slow else DEFAULT_REPEAT) for m in methods}
    if args.example is not None:
        if not 1 <= args.example <= MAX_EXAMPLES:
            raise ValueError(f"--example must be between 1 and {MAX_EXAMPLES}, not {args.example}.")
        refs = [CaseRef(seed, f"example:{seed}", lambda seed=seed: example_cases(task, 1, first_seed=seed)[0])
                for seed in range(args.example)]
        return Plan(task, {"examples": args.example}, runs, repeats, refs, len(refs), [], outputs)
    if args.max_side != 0 and args.max_side < MIN_MAX_SIDE:
        raise ValueError(f"--max-side must be 0 (full size) or at least {MIN_MAX_SIDE}, not {args.max_side}.")
    degradations: list[Degradation] = setup.degradations(args)
    found = scan_images(images, color=args.color, max_side=args.max_side, recursive=args.recursive)
    for degradation in degradations:
        if degradation.check is not None:  # e.g. a mask file whose shape fits no image
            for index, item in enumerate(found.images):
                degradation.check(item.name, found.image(index))
    refs = []
    for index, item in enumerate(found.images):  # image by image, each under every setting of the grid
        for degradation in degradations:
            refs.append(CaseRef(len(refs), item.name, _maker(found, index, degradation),
                                degradation.case_digest(item.name, item.digest), dict(degradation.settings)))
    return Plan(task, _merged(degradations), runs, repeats, refs, len(refs), found.skipped, outputs)


def _setup_plan(args: argparse.Namespace, task: Task, setup: ImageSetup) -> Plan:
    """The plan of a setup that makes its own cases (classify's --dataset)."""
    _check_options(args)
    outputs = {name: _output_path(getattr(args, name), f"--{name}") if getattr(args, name) else None
               for name in ("json", "report", "csv")}
    methods = select(_registered(task), args.methods, task)
    runs = engine.slots(task, variants(methods, parse_params(args.params), parse_sweeps(args.sweep), task))
    repeats = {m.key: args.repeat or (SLOW_REPEAT if m.slow else DEFAULT_REPEAT) for m in methods}
    cases = setup.cases(args)
    refs = [CaseRef(i, case.name, lambda case=case: case, case.digest, dict(case.settings))
            for i, case in enumerate(cases)]
    settings = {key: ",".join(str(c.settings.get(key)) for c in cases) for key in (cases[0].settings if cases else {})}
    return Plan(task, settings, runs, repeats, refs, len(refs), [], outputs)


def _maker(found: ImageSet, index: int, degradation: Degradation):
    def make() -> Case:
        item = found.images[index]
        return dataclasses.replace(degradation.case(item.name, found.image(index)),
                                   digest=degradation.case_digest(item.name, item.digest))

    return make


def _merged(degradations: list[Degradation]) -> dict:
    """The settings of a grid for the heading: each option with its values ("sigma=15,25,50")."""
    merged: dict[str, list] = {}
    for degradation in degradations:
        for key, value in degradation.settings.items():
            merged.setdefault(key, [])
            if value not in merged[key]:
                merged[key].append(value)
    return {key: ",".join(map(str, values)) for key, values in merged.items()}


def _output_path(text: str, option: str = "--json") -> Path:
    path = Path(text)
    if path.is_dir():
        raise ValueError(f"{option} {text}: is a directory; give a file name.")
    if not path.parent.is_dir():
        raise ValueError(f"{option} {text}: the directory {path.parent} does not exist.")
    return path


def _registered(task: Task) -> list[Method]:
    try:
        methods = methods_for(task)
    except ImportError as exc:
        raise ValueError(f"the {task.name} methods cannot be loaded ({task.module}: {exc}).") from None
    if not methods:
        raise ValueError(f"no {task.name} methods are registered.")
    return methods


def select(registered: list[Method], keys: str | None, task: Task) -> list[Method]:
    """The methods named in --methods (comma-separated), in that order; all when not given."""
    if keys is None:
        return registered
    wanted = list(dict.fromkeys(k.strip() for k in keys.split(",") if k.strip()))
    if not wanted:
        raise ValueError("--methods names no method.")
    by_key = {m.key: m for m in registered}
    unknown = [k for k in wanted if k not in by_key]
    if unknown:
        raise ValueError(f"unknown {task.name} method {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(by_key)}.")
    return [by_key[k] for k in wanted]


def describe(methods: list[Method]) -> str:
    """--list: each method's key, label and parameters with defaults and ranges."""
    lines = []
    for m in methods:
        flags = "".join(f" [{flag}]" for flag, on in (("slow", m.slow), ("reference", m.reference),
                                                        ("tensorflow", m.needs_tensorflow)) if on)
        lines.append(f"{m.key}: {m.label}{flags}")
        for p in m.params:
            bounds = f" choices {', '.join(map(str, p.choices))}" if p.choices else (
                f" range [{p.min}, {p.max}]" if p.min is not None or p.max is not None else "")
            lines.append(f"    {p.name} ({p.kind}) = {p.default!r}{bounds}" + (f"  {p.help}" if p.help else ""))
    return "\n".join(lines)


def _print_tables(args: argparse.Namespace, plan: Plan, records: list[dict]) -> None:
    metrics = report.metrics_of(plan.task, records)
    print(_heading(args, plan))
    print()
    print(report.markdown(records, metrics))
    if plan.count > 1 or len(plan.runs) > len({v.key for v in plan.runs}):
        print()
        print(report.summary(records, metrics))


def _write_outputs(task: Task, plan: Plan, records: list[dict], log) -> None:
    paths = plan.outputs
    if paths["json"] is not None:
        report.write_json(records, paths["json"])
        log(f"wrote {len(records)} records to {paths['json']}")
    if paths["csv"] is not None:
        from bench import page

        page.write_csv(records, task, paths["csv"])
        log(f"wrote {len(records)} records to {paths['csv']}")
    if paths["report"] is not None:
        from bench import page

        page.write_report(records, task, paths["report"], title=_heading_text(plan))
        log(f"wrote the report to {paths['report']}")


def _heading_text(plan: Plan) -> str:
    return f"{plan.task.label}: " + " ".join(f"{k}={v}" for k, v in plan.settings.items())


def _heading(args: argparse.Namespace, plan: Plan) -> str:
    settings = " ".join(f"{k}={v}" for k, v in plan.settings.items())
    repeat = f"repeat {args.repeat}" if args.repeat else f"repeat {DEFAULT_REPEAT} ({SLOW_REPEAT} if slow)"
    parts = [f"**{plan.task.name}**", settings]
    if args.example is None and hasattr(args, "color"):
        parts += ["colour" if args.color else "gray", f"max side {args.max_side}" if args.max_side else "full size"]
    if args.jobs or args.scheduler:
        parts.append(f"Dask {'local cluster of ' + str(args.jobs) if args.jobs else args.scheduler}")
    return " · ".join(parts + [repeat, "seconds = median run time"])
