"""`--report OUT.html` and `--csv OUT.csv`: the records as one self-contained HTML page (plotly.js inline, so it
opens offline) and as a flat CSV table.

The page has, for the task's metrics: the score distribution of each method (box plots, one colour per setting of
the grid), quality against run time with the Pareto front marked (no other method is both better and faster),
the winner on each image, the per-method means and every record.
"""
from __future__ import annotations

import csv
import html
import json
import math
from pathlib import Path
from typing import Any

from bench import report
from core.registry import Task
from core.tasks.protocol import Metric

MAX_ROWS = 5000  # records shown in the page's table (the CSV has them all)
MAX_BOX_METRICS = 4
BASELINE = "degraded"


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def write_csv(records: list[dict], task: Task, path: Path) -> None:
    """One row per record: image, the setting's options, method, parameters (JSON), metrics, seconds, error,
    worker, digest."""
    metrics = report.metrics_of(task, records)
    settings = list(dict.fromkeys(k for r in records for k in (r.get("setting") or {})))
    header = ["image", "task", *(f"setting.{k}" for k in settings), "method", "params",
              *(m.name for m in metrics), "seconds", "error", "worker", "digest"]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for r in records:
            setting = r.get("setting") or {}
            writer.writerow([r["image"], r["task"], *(setting.get(k, "") for k in settings), r["method"],
                             json.dumps(report._finite(r.get("params") or {}), sort_keys=True, default=str),
                             *(_csv(r.get(m.name)) for m in metrics), _csv(r.get("seconds")),
                             r.get("error", ""), r.get("worker") or "", r.get("digest") or ""])


def _csv(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "inf" if isinstance(value, float) and value == math.inf else ""
    return repr(number)


def pareto(points: list[tuple[float, float]], higher_is_better: bool = True) -> list[int]:
    """Indices of the points (seconds, score) that no other point beats on both: as fast or faster and as good
    or better, one strictly. Sorted by time."""
    sign = 1 if higher_is_better else -1
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -sign * points[i][1]))
    front, best = [], -math.inf
    for i in order:
        if sign * points[i][1] > best:
            front.append(i)
            best = sign * points[i][1]
    return front


def _primary(task: Task, metrics: list[Metric]) -> Metric | None:
    named = [m for m in metrics if m.name == task.primary]
    return (named or metrics or [None])[0]


def _figure_html(figure) -> str:
    import plotly.io as pio

    return pio.to_html(figure, full_html=False, include_plotlyjs=False, default_height="460px",
                       config={"displaylogo": False, "responsive": True})


def _boxes(records: list[dict], labels: list[str], settings: list[str], metric: Metric):
    import plotly.graph_objects as go

    figure = go.Figure()
    for setting in dict.fromkeys(settings):
        chosen = [(label, _number(r.get(metric.name))) for r, label, s in zip(records, labels, settings)
                  if s == setting and "error" not in r and _number(r.get(metric.name)) is not None]
        if chosen:
            figure.add_trace(go.Box(x=[c[0] for c in chosen], y=[c[1] for c in chosen], name=setting or "all",
                                    boxpoints="outliers", showlegend=bool(setting)))
    figure.update_layout(title=f"{metric.title} by method ({metric.arrow} is better)", boxmode="group",
                         yaxis_title=metric.title, xaxis_title="method", margin={"t": 50})
    return figure


def _tradeoff(summary_rows: list[dict], metric: Metric):
    import plotly.graph_objects as go

    from plotly.colors import qualitative

    figure = go.Figure()
    for number, setting in enumerate(dict.fromkeys(row["setting"] for row in summary_rows)):
        color = qualitative.Plotly[number % len(qualitative.Plotly)]
        rows = [row for row in summary_rows if row["setting"] == setting and row["method"] != BASELINE
                and row["seconds"] is not None and row["score"] is not None]
        if not rows:
            continue
        name = setting or "methods"
        figure.add_trace(go.Scatter(x=[max(r["seconds"], 1e-6) for r in rows], y=[r["score"] for r in rows],
                                    mode="markers+text", text=[r["label"] for r in rows], textposition="top center",
                                    name=name, marker={"size": 9, "color": color}))
        front = [rows[i] for i in pareto([(r["seconds"], r["score"]) for r in rows], metric.higher_is_better)]
        figure.add_trace(go.Scatter(x=[max(r["seconds"], 1e-6) for r in front], y=[r["score"] for r in front],
                                    mode="lines+markers", line={"shape": "hv", "dash": "dot", "color": color},
                                    marker={"symbol": "star", "size": 14, "color": color},
                                    name=f"Pareto front {setting}".strip()))
    figure.update_layout(title=f"Mean {metric.title} against mean run time (stars: the Pareto front)",
                         xaxis={"type": "log", "title": "mean seconds per run (log)"},
                         yaxis_title=f"mean {metric.title}", margin={"t": 50})
    return figure


def _summary_rows(records: list[dict], metrics: list[Metric], primary: Metric | None) -> list[dict]:
    rows = []
    for (label, setting), members in report.groups(records).items():
        ok = [r for r in members if "error" not in r]
        means = {m.name: report._mean([_number(r.get(m.name)) for r in ok]) for m in metrics}
        rows.append({"label": label, "setting": setting, "method": members[0]["method"], "runs": len(members),
                     "failed": len(members) - len(ok), "means": means,
                     "score": means.get(primary.name) if primary else None,
                     "seconds": report._mean([_number(r.get("seconds")) for r in ok])})
    return rows


def _winners(records: list[dict], labels: list[str], settings: list[str], metric: Metric) -> list[list[str]]:
    """Per (image, setting): the best method by `metric`, its score, the runner-up and the margin."""
    cases: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for r, label, setting in zip(records, labels, settings):
        value = _number(r.get(metric.name))
        if r["method"] != BASELINE and "error" not in r and value is not None:
            cases.setdefault((r["image"], setting), []).append((value, label))
    rows = []
    for (image, setting), scored in cases.items():
        scored.sort(key=lambda item: -item[0] if metric.higher_is_better else item[0])
        best, second = scored[0], scored[1] if len(scored) > 1 else None
        margin = abs(best[0] - second[0]) if second else None
        rows.append([image, setting, best[1], metric.format(best[0], unit=False),
                     second[1] if second else "", metric.format(margin, unit=False) if second else ""])
    return rows


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: Any, metric: Metric | None = None) -> str:
    number = _number(value)
    if number is None:
        return "∞" if value == math.inf else "–"
    return metric.format(number, unit=False) if metric else f"{number:.4f}"


STYLE = """body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{font-size:22px}h2{font-size:18px;
margin-top:32px}table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;
padding:3px 8px;text-align:left}th{background:#f4f4f4}.note{color:#666;font-size:13px}"""


def render(records: list[dict], task: Task, title: str = "") -> str:
    """The whole page as one HTML string (plotly.js inline)."""
    import plotly.offline

    metrics = report.metrics_of(task, records)
    primary = _primary(task, metrics)
    labels, settings = report.method_labels(records), report.setting_labels(records)
    summary = _summary_rows(records, metrics, primary)
    parts = [f"<h1>{html.escape(title or task.label)}</h1>",
             f"<p class='note'>{len(records)} records, {len({r['image'] for r in records})} images, "
             f"{len(dict.fromkeys(labels))} methods and variants. Scores from the {html.escape(task.name)} task's "
             f"own score; seconds are the median run time of each method, timed where it ran.</p>"]
    if primary is not None:
        parts.append("<h2>Scores by method</h2>")
        parts += [_figure_html(_boxes(records, labels, settings, m)) for m in metrics[:MAX_BOX_METRICS]]
        parts.append("<h2>Quality against time</h2>")
        parts.append(_figure_html(_tradeoff(summary, primary)))
        winners = _winners(records, labels, settings, primary)
        if winners:
            import plotly.graph_objects as go

            counts: dict[str, int] = {}
            for row in winners:
                counts[row[2]] = counts.get(row[2], 0) + 1
            bars = go.Figure(go.Bar(x=list(counts), y=list(counts.values())))
            bars.update_layout(title=f"Images won (best {primary.title})", yaxis_title="images", margin={"t": 50})
            parts += [f"<h2>Winner on each image (by {html.escape(primary.title)})</h2>", _figure_html(bars),
                      _table(["image", "setting", "winner", primary.title, "runner-up", "margin"], winners)]
    parts.append("<h2>Means per method</h2>")
    parts.append(_table(["method", "setting", "runs", "failed", *(m.title for m in metrics), "mean seconds"],
                        [[row["label"], row["setting"], row["runs"], row["failed"],
                          *(_fmt(row["means"][m.name], m) for m in metrics), _fmt(row["seconds"])]
                         for row in summary]))
    shown = records[:MAX_ROWS]
    parts.append(f"<h2>Every record</h2><p class='note'>{len(shown)} of {len(records)} records"
                 f"{' (the CSV has them all)' if len(shown) < len(records) else ''}.</p>")
    parts.append(_table(["image", "setting", "method", *(m.title for m in metrics), "seconds", "worker", "error"],
                        [[r["image"], s, label, *(_fmt(r.get(m.name), m) for m in metrics), _fmt(r.get("seconds")),
                          r.get("worker") or "", r.get("error", "")]
                         for r, s, label in zip(shown, settings, labels)]))
    script = plotly.offline.get_plotlyjs()
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title or task.label)}"
            f"</title><style>{STYLE}</style><script>{script}</script></head><body>{''.join(parts)}</body></html>\n")


def write_report(records: list[dict], task: Task, path: Path, title: str = "") -> None:
    path.write_text(render(records, task, title), encoding="utf-8")
