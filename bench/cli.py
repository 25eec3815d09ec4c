"""`python -m bench TASK ...`: run registered methods of a task over image files or its seeded synthetic examples,
score them with the task's own `score`, and compare them.

One subcommand per task of the registry. Every task runs on `--example N` (N seeded examples, `core.tasks`); the
tasks of `bench.setups.SETUPS` also run on `--images` (files, directories, bundled samples) with their own options.
Mistakes in the command (a bad path, an unreadable image, an unknown method or parameter, bad JSON) stop the run
before any method runs, with one line on stderr and exit status 2. Exit status 1 means the run finished but some
method crashed (a bug; its traceback is on stderr).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from bench import report, runner
from bench.cases import Case, Degradation, ImageSetup, example_cases
from bench.inputs import SAMPLE_PREFIX, load_images
from bench.setups import SETUPS
from core.registry import TASKS, Method, Task, methods_for

PROG = "python -m bench"
DEFAULT_REPEAT, SLOW_REPEAT = 3, 1
MIN_MAX_SIDE = 16  # SSIM needs 11×11 pixels; below this the numbers mean little
MAX_EXAMPLES = 1000


@dataclass
class Plan:
    task: Task
    settings: dict  # shown in the heading
    methods: list[Method]
    params: dict[str, dict]
    repeats: dict[str, int]
    cases: Iterable[Case]
    count: int
    json_path: Path | None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Batch benchmark of the explorer's methods: run every "
                                     "method of a task on images or synthetic examples, score them with the task's "
                                     "metrics, compare their scores and run times.")
    tasks = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    for name, task in TASKS.items():
        setup = SETUPS.get(name)
        what = setup.help if setup else "run on seeded synthetic examples (--example N)"
        sub = tasks.add_parser(name, help=what, description=f"{task.label}: {what}.")
        _add_common(sub, images=setup is not None)
        if setup is not None:
            setup.add_arguments(sub)
        sub.set_defaults(setup=setup, task_spec=task)
    return parser


def _add_common(parser: argparse.ArgumentParser, *, images: bool) -> None:
    source = parser.add_mutually_exclusive_group()
    if images:
        source.add_argument("--images", nargs="+", metavar="PATH",
                            help=f"image files, directories of images, or {SAMPLE_PREFIX}NAME for a bundled "
                                 f"sample (e.g. {SAMPLE_PREFIX}camera)")
    source.add_argument("--example", type=int, metavar="N",
                        help="run on N seeded synthetic examples of the task (seeds 0 to N-1), with their truth")
    parser.add_argument("--methods", metavar="K1,K2", help="comma-separated method keys (default: all)")
    parser.add_argument("--params", metavar="JSON",
                        help='parameters per method key, e.g. \'{"median": {"size": 5}}\', '
                             "or @FILE to read the JSON from a file (default: each method's defaults)")
    if images:
        parser.add_argument("--max-side", type=int, default=512, metavar="N",
                            help="downscale so the longer side is at most N px; 0 keeps the full size (default: 512)")
        parser.add_argument("--color", action="store_true", help="keep colour (default: convert to gray)")
    parser.add_argument("--repeat", type=int, metavar="N",
                        help=f"time each run N times and report the median (default: {DEFAULT_REPEAT}, "
                             f"or {SLOW_REPEAT} for methods flagged slow)")
    parser.add_argument("--json", metavar="OUT", help="also write the records to this JSON file")
    parser.add_argument("--list", action="store_true", help="list the task's methods and parameters, then exit")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    task: Task = args.task_spec
    try:
        if args.list:
            print(describe(_registered(task)))
            return 0
        plan = make_plan(args)
    except ValueError as exc:
        _fail(task, str(exc))
    log = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    result = runner.run(plan.cases, plan.methods, task=task, params=plan.params, repeats=plan.repeats, log=log)
    metrics = report.metrics_of(task, result.records)
    print(_heading(args, plan))
    print()
    print(report.markdown(result.records, metrics))
    if plan.count > 1:
        print()
        print(report.summary(result.records, metrics))
    if plan.json_path is not None:
        try:
            report.write_json(result.records, plan.json_path)
        except OSError as exc:
            _fail(task, f"cannot write {plan.json_path}: {exc.strerror or exc}.")
        log(f"wrote {len(result.records)} records to {plan.json_path}")
    if result.crashes:
        print(f"{PROG} {task.name}: {result.crashes} method run(s) crashed; see the tracebacks above.",
              file=sys.stderr)
        return 1
    return 0


def _fail(task: Task, message: str) -> None:
    print(f"{PROG} {task.name}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def make_plan(args: argparse.Namespace) -> Plan:
    """Check the whole command before anything runs; raise ValueError with a user-facing sentence."""
    task: Task = args.task_spec
    setup: ImageSetup | None = args.setup
    images = getattr(args, "images", None)
    if args.example is None and not images:
        raise ValueError("give --images (files, directories or sample:NAME) or --example N." if setup else
                         f"{task.name} runs on seeded synthetic examples: give --example N.")
    if args.repeat is not None and args.repeat < 1:
        raise ValueError(f"--repeat must be at least 1, not {args.repeat}.")
    json_path = _output_path(args.json) if args.json else None
    overrides = parse_params(args.params)
    methods = select(_registered(task), args.methods, task)
    params = check_params(overrides, methods, task)
    repeats = {m.key: args.repeat or (SLOW_REPEAT if m.slow else DEFAULT_REPEAT) for m in methods}
    if args.example is not None:
        if not 1 <= args.example <= MAX_EXAMPLES:
            raise ValueError(f"--example must be between 1 and {MAX_EXAMPLES}, not {args.example}.")
        cases = example_cases(task, args.example)
        return Plan(task, {"examples": args.example}, methods, params, repeats, cases, len(cases), json_path)
    if args.max_side != 0 and args.max_side < MIN_MAX_SIDE:
        raise ValueError(f"--max-side must be 0 (full size) or at least {MIN_MAX_SIDE}, not {args.max_side}.")
    degradation: Degradation = setup.degradation(args)
    loaded = load_images(images, color=args.color, max_side=args.max_side)
    if degradation.check is not None:  # e.g. a mask file whose shape fits no image
        for item in loaded:
            degradation.check(item.name, item.image)
    cases = (degradation.case(item.name, item.image) for item in loaded)  # made one at a time
    return Plan(task, dict(degradation.settings), methods, params, repeats, cases, len(loaded), json_path)


def _output_path(text: str) -> Path:
    path = Path(text)
    if path.is_dir():
        raise ValueError(f"--json {text}: is a directory; give a file name.")
    if not path.parent.is_dir():
        raise ValueError(f"--json {text}: the directory {path.parent} does not exist.")
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


def parse_params(text: str | None) -> dict[str, dict]:
    """--params: a JSON object {method key: {param name: value}}, inline or @FILE."""
    if text is None:
        return {}
    source = "--params"
    if text.startswith("@"):
        source = text[1:]
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"--params {text}: cannot read the file ({getattr(exc, 'strerror', None) or exc}).") \
                from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") \
            from None
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError(f'{source} must be a JSON object mapping method keys to parameter objects, '
                         f'e.g. {{"median": {{"size": 5}}}}.')
    return value


def check_params(overrides: dict[str, dict], methods: list[Method], task: Task) -> dict[str, dict]:
    """Validate every override against its method's spec; warn on stderr when a value is clamped."""
    by_key = {m.key: m for m in methods}
    for key, values in overrides.items():
        if key not in by_key:
            raise ValueError(f"--params sets parameters of {key!r}, which is not among the {task.name} "
                             f"methods being run ({', '.join(by_key)}).")
        method = by_key[key]
        for name, value in values.items():
            try:
                param = method.param(name)
            except KeyError:
                names = ", ".join(p.name for p in method.params) or "none"
                raise ValueError(f"--params: {key} has no parameter {name!r} (its parameters: {names}).") \
                    from None
            try:
                used = param.coerce(value)
            except ValueError as exc:
                raise ValueError(f"--params {key}.{name}: {exc}") from None
            if param.kind in ("int", "float") and float(value) != used:
                whole = ", whole numbers" if param.kind == "int" else ""
                print(f"{PROG} {task.name}: warning: {key}.{name} = {value!r} becomes {used} "
                      f"(range [{param.min}, {param.max}]{whole}).", file=sys.stderr)
    return {key: dict(values) for key, values in overrides.items()}


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


def _heading(args: argparse.Namespace, plan: Plan) -> str:
    settings = " ".join(f"{k}={v}" for k, v in plan.settings.items())
    repeat = f"repeat {args.repeat}" if args.repeat else f"repeat {DEFAULT_REPEAT} ({SLOW_REPEAT} if slow)"
    parts = [f"**{plan.task.name}**", settings]
    if args.example is None:
        parts += ["colour" if args.color else "gray", f"max side {args.max_side}" if args.max_side else "full size"]
    return " · ".join(parts + [repeat, "seconds = median run time"])
