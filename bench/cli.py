"""`python -m bench TASK ...`: run registered methods of a task over an image set and compare them.

One subcommand per entry of `bench.tasks.SETUPS`; every subcommand shares the options below.
Mistakes in the command (a bad path, an unreadable image, an unknown method or parameter, bad
JSON) stop the run before any method runs, with one line on stderr and exit status 2.
Exit status 1 means the run finished but some method crashed (a bug; its traceback is on stderr).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import report, runner
from bench.inputs import SAMPLE_PREFIX, BenchImage, load_images
from bench.tasks import SETUPS, Degradation, TaskSetup
from core.registry import Method, Task, methods_for

PROG = "python -m bench"
DEFAULT_REPEAT, SLOW_REPEAT = 3, 1
MIN_MAX_SIDE = 16  # SSIM needs 11×11 pixels; below this the numbers mean little


@dataclass
class Plan:
    setup: TaskSetup
    degradation: Degradation
    methods: list[Method]
    params: dict[str, dict]
    repeats: dict[str, int]
    images: list[BenchImage]
    json_path: Path | None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Batch benchmark of the explorer's methods: "
                                     "degrade images, run methods, compare PSNR, SSIM and run time.")
    tasks = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    for name, setup in SETUPS.items():
        sub = tasks.add_parser(name, help=setup.help, description=f"{setup.task.label}: {setup.help}.")
        _add_common(sub)
        setup.add_arguments(sub)
        sub.set_defaults(setup=setup)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--images", nargs="+", metavar="PATH",
                        help=f"image files, directories of images, or {SAMPLE_PREFIX}NAME for a bundled "
                             f"sample (e.g. {SAMPLE_PREFIX}camera)")
    parser.add_argument("--methods", metavar="K1,K2", help="comma-separated method keys (default: all)")
    parser.add_argument("--params", metavar="JSON",
                        help='parameters per method key, e.g. \'{"median": {"size": 5}}\', '
                             "or @FILE to read the JSON from a file (default: each method's defaults)")
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
    setup: TaskSetup = args.setup
    try:
        if args.list:
            print(describe(_registered(setup.task)))
            return 0
        plan = make_plan(args)
    except ValueError as exc:
        _fail(setup, str(exc))
    log = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    result = runner.run(plan.images, plan.degradation, plan.methods, task=setup.task.name, params=plan.params,
                        repeats=plan.repeats, metrics=setup.metrics, log=log)
    metrics = list(setup.metrics)
    print(_heading(args, plan))
    print()
    print(report.markdown(result.records, metrics))
    if len(plan.images) > 1:
        print()
        print(report.summary(result.records, metrics))
    if plan.json_path is not None:
        try:
            report.write_json(result.records, plan.json_path)
        except OSError as exc:
            _fail(setup, f"cannot write {plan.json_path}: {exc.strerror or exc}.")
        log(f"wrote {len(result.records)} records to {plan.json_path}")
    if result.crashes:
        print(f"{PROG} {setup.task.name}: {result.crashes} method run(s) crashed; see the tracebacks above.",
              file=sys.stderr)
        return 1
    return 0


def _fail(setup: TaskSetup, message: str) -> None:
    print(f"{PROG} {setup.task.name}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def make_plan(args: argparse.Namespace) -> Plan:
    """Check the whole command before anything runs; raise ValueError with a user-facing sentence."""
    setup: TaskSetup = args.setup
    if not args.images:
        raise ValueError("--images is required (files, directories or sample:NAME).")
    if args.repeat is not None and args.repeat < 1:
        raise ValueError(f"--repeat must be at least 1, not {args.repeat}.")
    if args.max_side != 0 and args.max_side < MIN_MAX_SIDE:
        raise ValueError(f"--max-side must be 0 (full size) or at least {MIN_MAX_SIDE}, not {args.max_side}.")
    json_path = _output_path(args.json) if args.json else None
    overrides = parse_params(args.params)
    degradation = setup.degradation(args)
    images = load_images(args.images, color=args.color, max_side=args.max_side)
    if degradation.check is not None:  # e.g. a mask file whose shape fits no image
        for item in images:
            degradation.check(item.name, item.image)
    methods = select(_registered(setup.task), args.methods, setup.task)
    params = check_params(overrides, methods, setup.task)
    repeats = {m.key: args.repeat or (SLOW_REPEAT if m.slow else DEFAULT_REPEAT) for m in methods}
    return Plan(setup, degradation, methods, params, repeats, images, json_path)


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
    settings = " ".join(f"{k}={v}" for k, v in plan.degradation.settings.items())
    side = f"max side {args.max_side}" if args.max_side else "full size"
    repeat = f"repeat {args.repeat}" if args.repeat else f"repeat {DEFAULT_REPEAT} ({SLOW_REPEAT} if slow)"
    return (f"**{args.setup.task.name}** · {settings} · {'colour' if args.color else 'gray'} · {side} · "
            f"{repeat} · seconds = median run time")
