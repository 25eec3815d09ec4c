"""Side-by-side results for methods that do not return a restored image: detectors (boxes, counts, times,
precision/recall against known boxes), stitchers (panoramas) and recognisers (accuracy, confusion).

    chosen = run_compared(DETECT_PEOPLE, (image,), ["hog_svm", "haar_body"], key="ped", scoring=box_scoring(truth))
    rows = detection_grid(chosen.results, truth=truth)          # the page's own display
    comparison_tabs(chosen, recipe=..., inputs=("image",))      # Sweep / History / Export

A `Scoring` names the metrics function (it gets the method's whole Output), the sweep scores, the history
columns and the export snippet's imports and score line."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core.boxes import match
from core.registry import Method, Task
from ui.compare import parameter_panels, pick_methods, result_cells
from ui.export import export_panel
from ui.history import history_panel, record
from ui.page import EXPORT, HISTORY, SWEEP, lazy_tabs
from ui.runner import RunResult, inputs_digest, run_method
from ui.sweep import SCORE_TITLES, sweep_panel

NO_TRUTH = np.zeros((0, 4), np.int32)  # the "reference" of detections scored by count only
SCORE_TITLES.update({"f1": "F1 (IoU ≥ 0.5)", "precision": "precision", "recall": "recall", "count": "detections",
                     "accuracy": "held-out accuracy", "seam_psnr": "seam PSNR (dB)", "coverage": "coverage",
                     "used": "images joined"})


def box_scores(truth: np.ndarray | None, output) -> dict:
    """Count, and against known boxes (IoU ≥ 0.5) precision, recall and F1."""
    boxes = output.extras.get("boxes", NO_TRUTH)
    scores = {"count": int(output.extras.get("count", len(boxes)))}
    if truth is not None and len(truth):
        found = match(boxes, truth, threshold=0.5)
        p, r = found["precision"], found["recall"]
        f1 = 2 * p * r / (p + r) if np.isfinite(p) and np.isfinite(r) and p + r > 0 else 0.0
        scores.update(found, f1=float(f1))
    return scores


def recognition_scores(labels: np.ndarray, output) -> dict:
    """Held-out accuracy and chance, as the recogniser measured them."""
    extras = output.extras
    return {"accuracy": float(extras["accuracy"]), "chance": float(extras["chance"])}


def stitch_scores(source: np.ndarray, output) -> dict:
    """Images joined and size; with a known source (not the empty stand-in), the seam error after alignment."""
    pano = output.image
    scores = {"used": float(output.extras.get("used", np.nan)), "width": float(pano.shape[1]),
              "height": float(pano.shape[0])}
    if source is not None and source.size > 16:
        from core.panorama import seam_error

        try:
            error = seam_error(pano, source)
            scores.update(seam_psnr=float(error["psnr"]), coverage=float(error["coverage"]),
                          seam_mae=float(error["mae"]))
        except ValueError:
            scores.update(seam_psnr=np.nan, coverage=np.nan, seam_mae=np.nan)
    return scores


for _scores in (box_scores, recognition_scores, stitch_scores):
    _scores.takes_output = True  # ui.runner passes the whole Output (boxes, accuracy, images joined)


@dataclass(frozen=True)
class Scoring:
    metrics: Callable
    reference: Any  # what `metrics` scores against; never None, so the sweep runs
    scores: tuple[str, ...]
    columns: tuple[tuple[str, str, str], ...]
    has_reference: bool = False  # whether the export snippet prints a score
    imports: str = "from core.gallery import load_sample\nfrom core.image import decode_image, prepare\n" \
                   "from core.registry import get_method\n"
    score_line: str = ""
    note: str = ""


COUNT_LINE = 'boxes = output.extras["boxes"]\nprint(f"{output.extras.get(\'count\', len(boxes))} detections")'


def box_scoring(truth: np.ndarray | None) -> Scoring:
    if truth is None:
        return Scoring(box_scores, NO_TRUTH, ("count",), (("count", "detections", "%d"),), has_reference=True,
                       score_line=COUNT_LINE,
                       note="No true boxes are known here, so the sweep can only show how the count changes.")
    return Scoring(box_scores, np.asarray(truth), ("f1", "precision", "recall"),
                   (("f1", "F1", "%.2f"), ("precision", "precision", "%.2f"), ("recall", "recall", "%.2f"),
                    ("count", "detections", "%d")), has_reference=True,
                   imports=Scoring.imports + "from core.boxes import match\n",
                   score_line=COUNT_LINE + '\nfound = match(boxes, truth, threshold=0.5)  # IoU >= 0.5\n'
                              'print(f"precision {found[\'precision\']:.2f}, recall {found[\'recall\']:.2f}")')


def recognition_scoring(labels: np.ndarray) -> Scoring:
    return Scoring(recognition_scores, np.asarray(labels), ("accuracy",), (("accuracy", "accuracy", "%.3f"),),
                   has_reference=True, imports="import numpy as np\nfrom core.faces import load_identity_zip, "
                   "synthetic_identities\nfrom core.registry import get_method\n",
                   score_line='print(f"mean accuracy per identity {np.diag(result).mean():.1%}")')


def stitch_scoring(source: np.ndarray | None) -> Scoring:
    imports = ("from core.gallery import load_sample\nfrom core.image import decode_image, fit_size, prepare\n"
               "from core.panorama import camera_views, panning_video, seam_error\n"
               "from core.registry import get_method\nfrom core.video_bg import read_video\n")
    if source is None:
        return Scoring(stitch_scores, np.zeros((1, 1), np.float32), ("used",),
                       (("used", "images joined", "%d"), ("width", "width", "%d")), imports=imports,
                       note="Your own images have no ground truth: the sweep counts the images joined.")
    return Scoring(stitch_scores, np.asarray(source), ("seam_psnr", "coverage"),
                   (("seam_psnr", "seam PSNR", "%.2f"), ("seam_mae", "seam error", "%.4f"),
                    ("coverage", "coverage", "%.2f"), ("used", "images joined", "%d")),
                   has_reference=True, imports=imports,
                   score_line='error = seam_error(result, image)\n'
                              'print(f"seam error {error[\'mae\']:.4f}, coverage {error[\'coverage\']:.0%}")')


@dataclass
class Chosen:
    """The methods picked on a page, their widget values, inputs, scoring and cached runs."""
    task: Task
    key: str
    inputs: tuple
    scoring: Scoring | None = None
    methods: list[Method] = field(default_factory=list)
    current: dict[str, dict] = field(default_factory=dict)
    results: list[RunResult] = field(default_factory=list)


def run_compared(task: Task, inputs: tuple, defaults: list[str], *, key: str,
                 scoring: Scoring | None = None) -> Chosen:
    """The method picker, one expander of widgets per method, and a cached (scored) run of each."""
    chosen = Chosen(task, key, inputs, scoring, pick_methods(task, defaults, key=f"{key}.methods"))
    if not chosen.methods:
        st.info("Choose at least one method.")
        return chosen
    chosen.current = parameter_panels(chosen.methods)
    extra = {} if scoring is None else dict(reference=scoring.reference, metrics=scoring.metrics)
    chosen.results = [run_method(m, inputs, chosen.current[m.key], **extra) for m in chosen.methods]
    return chosen


def run_chosen(task: Task, inputs: tuple, defaults: list[str], *, key: str) -> list[RunResult]:
    return run_compared(task, inputs, defaults, key=key).results


def comparison_tabs(chosen: Chosen, *, recipe: str, inputs: tuple[str, ...]) -> None:
    """Tabs Sweep / History / Export under a page's results. `recipe` is Python that rebuilds the inputs,
    named `inputs` in the export snippet."""
    scoring = chosen.scoring
    if not chosen.methods or scoring is None:
        return
    task, key, methods_key = chosen.task.name, chosen.key, f"{chosen.key}.methods"
    input_digest = inputs_digest(chosen.inputs)
    for result in chosen.results:
        record(task, result, input_digest=input_digest, recipe=recipe)
    sweep, history, export = lazy_tabs([SWEEP, HISTORY, EXPORT], key=f"{key}.tab")
    if sweep.open:
        with sweep:
            if scoring.note:
                st.caption(scoring.note)
            sweep_panel(chosen.methods, chosen.inputs, reference=scoring.reference, current=chosen.current,
                        key=f"{key}.sweep", methods_key=methods_key, scores=scoring.scores, metrics=scoring.metrics)
    if history.open:
        with history:
            history_panel(task, input_digest=input_digest, methods_key=methods_key, key=f"{key}.history",
                          columns=scoring.columns)
    if export.open:
        with export:
            rows = [dict(method=r.method.label, **r.metrics, seconds=r.seconds if r.ok else None,
                         params=str(r.params), error=r.error or "") for r in chosen.results]
            export_panel(task, chosen.results, rows, recipe, inputs=inputs, has_reference=scoring.has_reference,
                         key=f"{key}.export", imports=scoring.imports, score_line=scoring.score_line)

def detection_scores(result: RunResult, truth: np.ndarray | None) -> dict:
    if not result.ok:
        return {}
    return {**box_scores(truth, result.output), "seconds": result.seconds}


def _fmt(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def detection_grid(results: list[RunResult], *, truth: np.ndarray | None = None,
                   nouns: tuple[str, str] = ("box", "boxes"), per_row: int = 3) -> list[dict]:
    """Each detector's picture with its count and time (and precision / recall at IoU 0.5 when the true
    boxes are known). Returns one row of scores per method."""
    rows = []
    for result in result_cells(results, per_row=per_row):
        scores = detection_scores(result, truth)
        rows.append({"method": result.method.label, **scores})
        st.image(result.image, caption=result.method.label, width="stretch")
        count = scores["count"]
        text = f"**{count} {nouns[0] if count == 1 else nouns[1]}**"
        extras = result.output.extras
        if extras.get("raw windows") is not None:
            text += f" (from {extras['raw windows']} raw windows)"
        if "eyes" in extras:
            text += f" · {len(extras['eyes'])} eyes"
        text += f" · {result.seconds:.3f} s"
        if truth is not None:
            text += (f"  \nprecision **{_fmt(scores['precision'])}** · recall **{_fmt(scores['recall'])}**"
                     f" (IoU ≥ 0.5, {len(truth)} true)")
        st.markdown(text)
    return rows


def count_time_bars(rows: list[dict], *, truth_count: int | None = None) -> go.Figure:
    """Counts and run times side by side, one bar per method; the true count as a dashed line."""
    labels = [r["method"] for r in rows]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Detections", "Time (s) ↓"))
    fig.add_trace(go.Bar(x=labels, y=[r["count"] for r in rows], text=[r["count"] for r in rows],
                         textposition="outside", marker_color="#4c78a8", showlegend=False), row=1, col=1)
    fig.add_trace(go.Bar(x=labels, y=[r["seconds"] for r in rows], text=[f"{r['seconds']:.3f}" for r in rows],
                         textposition="outside", marker_color="#f58518", showlegend=False), row=1, col=2)
    if truth_count is not None:
        fig.add_hline(y=truth_count, line_dash="dash", line_color="#888", row=1, col=1,
                      annotation_text="true", annotation_position="top left")
    fig.update_layout(height=330, margin=dict(l=10, r=10, t=40, b=10))
    return fig
