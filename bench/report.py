"""Benchmark output: a markdown table for people, a JSON list of records for programs. Columns, titles and digits
come from the task's metrics (`core.tasks.protocol.Metric`), as on the app's pages."""
from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

from core.registry import Task
from core.tasks.protocol import Metric

MISSING = "—"
SECONDS_DIGITS = 4


def metrics_of(task: Task, records: list[dict]) -> list[Metric]:
    """The task's metrics that some record carries, in the task's order."""
    present = {name for record in records for name in record}
    return [m for m in task.metrics if m.name in present]


def _cell(value: Any, metric: Metric | None = None) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if math.isnan(value):
            return MISSING
        digits = SECONDS_DIGITS if metric is None else metric.digits
        return f"{value:.{digits}f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]], numeric: range | slice) -> str:
    """Markdown table; columns in `numeric` are right-aligned."""
    right = set(range(len(header))[numeric])
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def _short(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def varying(dicts: list[dict]) -> list[str]:
    """The keys whose values differ between the dicts (a key missing from some counts as differing)."""
    keys = list(dict.fromkeys(k for d in dicts for k in d))
    return [k for k in keys if len({repr(d.get(k)) for d in dicts}) > 1]


def setting_labels(records: list[dict]) -> list[str]:
    """Per record, the grid setting it ran under ("sigma=15"), when an image ran under several; else "". (An
    example's seed is part of the case, not a setting: it never varies within one image.)"""
    by_image: dict[str, list[dict]] = {}
    for r in records:
        by_image.setdefault(r["image"], []).append(r.get("setting") or {})
    keys = list(dict.fromkeys(k for settings in by_image.values() for k in varying(settings)))
    return [" ".join(f"{k}={_short((r.get('setting') or {}).get(k))}" for k in keys) for r in records]


def method_labels(records: list[dict]) -> list[str]:
    """Per record, the method key, with the parameters that vary between its records ("median size=5")."""
    by_method: dict[str, list[dict]] = {}
    for r in records:
        by_method.setdefault(r["method"], []).append(r.get("params") or {})
    keys = {m: varying(params) for m, params in by_method.items() if m != "degraded"}
    labels = []
    for r in records:
        shown = keys.get(r["method"], [])
        params = r.get("params") or {}
        labels.append(" ".join([r["method"], *(f"{k}={_short(params.get(k))}" for k in shown)]))
    return labels


def markdown(records: list[dict], metrics: list[Metric]) -> str:
    """One row per record; a "note" column holds the error message of a method that failed. With a grid, the
    image column names the setting and the method column the swept parameters."""
    with_errors = any("error" in r for r in records)
    header = ["image", "method", *(m.title for m in metrics), "seconds"]
    rows = []
    for r, setting, method in zip(records, setting_labels(records), method_labels(records)):
        image = f"{r['image']} · {setting}" if setting else r["image"]
        row = [_cell(image), _cell(method), *(_cell(r.get(m.name), m) for m in metrics), _cell(r["seconds"])]
        if with_errors:
            row.append(_cell(r.get("error", "")))
        rows.append(row)
    if with_errors:
        header.append("note")
    return _table(header, rows, numeric=slice(2, 3 + len(metrics)))


def groups(records: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """The records by (method label, setting label), in order of first appearance."""
    grouped: dict[tuple[str, str], list[dict]] = {}
    for r, setting, method in zip(records, setting_labels(records), method_labels(records)):
        grouped.setdefault((method, setting), []).append(r)
    return grouped


def summary(records: list[dict], metrics: list[Metric]) -> str:
    """Per method (and setting, with a grid), the mean of each metric and of the run time over the images it
    succeeded on."""
    grouped = groups(records)
    with_setting = any(setting for _, setting in grouped)
    header = ["method", *(["setting"] if with_setting else []), "images", *(f"mean {m.title}" for m in metrics),
              "mean seconds"]
    rows = []
    for (method, setting), members in grouped.items():
        ok = [r for r in members if "error" not in r]
        means = [_mean([r.get(m.name) for r in ok]) for m in metrics] + [_mean([r["seconds"] for r in ok])]
        rows.append([_cell(method), *([_cell(setting)] if with_setting else []), str(len(ok)),
                     *(_cell(v, m) for v, m in zip(means, (*metrics, None)))])
    return _table(header, rows, numeric=slice(2 if with_setting else 1, None))


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.fmean(values) if values else None


def _finite(value: Any) -> Any:
    """Strict JSON has no Infinity or NaN: a perfect PSNR (∞) or a missing score becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def write_json(records: list[dict], path: Path) -> None:
    text = json.dumps(_finite(records), indent=2, allow_nan=False, default=_plain)
    path.write_text(text + "\n", encoding="utf-8")


def _plain(value: Any) -> Any:
    """numpy scalars (a choice parameter may hold one) as plain Python values."""
    if hasattr(value, "item"):
        return _finite(value.item())
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
