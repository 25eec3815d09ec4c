"""Benchmark output: a markdown table for people, a JSON list of records for programs."""
from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

LABELS = {"psnr": "PSNR (dB)", "ssim": "SSIM", "psnr_mask": "PSNR in mask (dB)", "ssim_mask": "SSIM in mask",
          "error_px": "error (px)", "mse": "MSE"}
FORMATS = {"psnr": "{:.2f}", "ssim": "{:.4f}", "psnr_mask": "{:.2f}", "ssim_mask": "{:.4f}", "seconds": "{:.4f}",
           "error_px": "{:.3f}", "mse": "{:.5f}"}
MISSING = "—"


def _cell(value: Any, name: str = "") -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if math.isnan(value):
            return MISSING
        return FORMATS.get(name, "{:.4g}").format(value)
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]], numeric: range | slice) -> str:
    """Markdown table; columns in `numeric` are right-aligned."""
    right = set(range(len(header))[numeric])
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def markdown(records: list[dict], metrics: list[str]) -> str:
    """One row per record; a "note" column holds the error message of a method that failed."""
    with_errors = any("error" in r for r in records)
    header = ["image", "method", *(LABELS.get(m, m) for m in metrics), "seconds"]
    rows = []
    for r in records:
        row = [_cell(r["image"]), _cell(r["method"]), *(_cell(r[m], m) for m in metrics),
               _cell(r["seconds"], "seconds")]
        if with_errors:
            row.append(_cell(r.get("error", "")))
        rows.append(row)
    if with_errors:
        header.append("note")
    return _table(header, rows, numeric=slice(2, 3 + len(metrics)))


def summary(records: list[dict], metrics: list[str]) -> str:
    """Per method, the mean of each metric and of the run time over the images it succeeded on."""
    methods = list(dict.fromkeys(r["method"] for r in records))
    header = ["method", "images", *(f"mean {LABELS.get(m, m)}" for m in metrics), "mean seconds"]
    rows = []
    for key in methods:
        ok = [r for r in records if r["method"] == key and "error" not in r]
        means = [_mean([r[m] for r in ok]) for m in (*metrics, "seconds")]
        rows.append([_cell(key), str(len(ok)), *(_cell(v, m) for v, m in zip(means, (*metrics, "seconds")))])
    return _table(header, rows, numeric=slice(1, None))


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
