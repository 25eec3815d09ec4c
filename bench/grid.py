"""Which method runs with which parameters: `--params` (a JSON object, values or lists of values) and `--sweep
KEY.PARAM=V1,V2,...`, turned into variants (one method with one full set of parameters), each checked against
the method's spec. A list, or several swept parameters of one method, runs every combination."""
from __future__ import annotations

import itertools
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from core.registry import Method, Task

BASELINE = "degraded"


@dataclass(frozen=True)
class Variant:
    """One method with one full set of parameters (None: the task's "do nothing" row, `degraded`)."""

    method: Method | None
    params: dict[str, Any] = field(default_factory=dict)  # resolved: every parameter of the method

    @property
    def key(self) -> str:
        return BASELINE if self.method is None else self.method.key

    @property
    def slow(self) -> bool:
        return self.method is not None and self.method.slow


def parse_params(text: str | None) -> dict[str, dict]:
    """--params: a JSON object {method key: {param name: value or [values]}}, inline or @FILE."""
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
                         f'e.g. {{"median": {{"size": 5}}}} (a list sweeps: {{"median": {{"size": [3, 5, 7]}}}}).')
    return value


def parse_sweeps(texts: list[str] | None) -> dict[str, dict[str, list]]:
    """--sweep KEY.PARAM=V1,V2,...: {method key: {param name: [values as text]}}."""
    sweeps: dict[str, dict[str, list]] = {}
    for text in texts or []:
        target, equals, values = text.partition("=")
        key, dot, name = target.strip().partition(".")
        if not equals or not dot or not key or not name:
            raise ValueError(f"--sweep {text!r}: write it as METHOD.PARAM=V1,V2,... (e.g. median.size=3,5,7).")
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not items:
            raise ValueError(f"--sweep {text!r} gives no values; give one or more, separated by commas.")
        sweeps.setdefault(key, {})[name.strip()] = items
    return sweeps


def _coerce(method: Method, name: str, value: Any, task: Task, warn: Callable[[str], None]) -> Any:
    try:
        param = method.param(name)
    except KeyError:
        names = ", ".join(p.name for p in method.params) or "none"
        raise ValueError(f"--params: {method.key} has no parameter {name!r} (its parameters: {names}).") from None
    try:
        used = param.coerce(value)
    except ValueError as exc:
        raise ValueError(f"--params {method.key}.{name}: {exc}") from None
    if param.kind in ("int", "float") and float(value) != used:
        whole = ", whole numbers" if param.kind == "int" else ""
        warn(f"warning: {method.key}.{name} = {value!r} becomes {used} (range [{param.min}, {param.max}]{whole}).")
    return used


def variants(methods: list[Method], overrides: dict[str, dict], sweeps: dict[str, dict[str, list]], task: Task,
             warn: Callable[[str], None] | None = None) -> list[Variant]:
    """Every (method, parameters) pair to run, in the order of `methods`; a list value (in --params or a sweep)
    runs each value, several lists every combination. Raises ValueError with a sentence on a mistake."""
    warn = warn or (lambda message: print(f"python -m bench {task.name}: {message}", file=sys.stderr))
    by_key = {m.key: m for m in methods}
    for key in {**overrides, **sweeps}:
        if key not in by_key:
            option = "--sweep" if key in sweeps else "--params"
            raise ValueError(f"{option} sets parameters of {key!r}, which is not among the {task.name} "
                             f"methods being run ({', '.join(by_key)}).")
    result = []
    for method in methods:
        given = {**overrides.get(method.key, {}), **sweeps.get(method.key, {})}
        axes = []
        for name, value in given.items():
            values = value if isinstance(value, list) else [value]
            if not values:
                raise ValueError(f"--params {method.key}.{name} gives no values; give one or a list of values.")
            coerced = list(dict.fromkeys(_coerce(method, name, v, task, warn) for v in values))
            axes.append([(name, v) for v in coerced])
        seen = set()
        for combo in itertools.product(*axes):
            params = method.resolve(dict(combo))
            marker = json.dumps(params, sort_keys=True, default=str)
            if marker not in seen:
                seen.add(marker)
                result.append(Variant(method, params))
    return result
