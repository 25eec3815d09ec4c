"""Sweep and History tabs for pages whose scores come from a method's whole output (keypoint counts,
registration errors against a known transform) rather than PSNR/SSIM of an image.

    scores = registration_scores(truth)
    results = [run_method(m, inputs, current[m.key], reference=fixed, metrics=scores) for m in methods]
    ...
    sweep_history(sweep_tab, history_tab, REGISTER.name, methods, inputs, results, reference=fixed, ...)
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from core.image import to_gray
from core.registry import Method
from ui.history import history_panel, record
from ui.runner import RunResult, inputs_digest
from ui.sweep import sweep_panel

KEYPOINT_SCORES = dict(scores=("keypoints", "seconds"), minimize=("seconds",),
                       columns=(("keypoints", "keypoints", "%d"),))


def keypoint_scores(reference: np.ndarray | None, output) -> dict:
    """The number of keypoints found (the time is the run's own)."""
    return {"keypoints": float(output.extras["count"])}


keypoint_scores.takes_output = True


def registration_scores(truth):
    """error_px (mean corner / field error against the known transform, when there is one) and the MSE
    between the fixed image (the run's reference) and the registered one."""
    from core.registration.synthetic import similarity

    def scores(reference: np.ndarray, output) -> dict:
        values = {"mse": float(similarity(to_gray(reference), to_gray(output.image))["mse"])}
        if truth is not None:
            values["error_px"] = float(truth.error_px(output.extras))
        return values

    scores.takes_output = True
    # the runner caches metrics by qualified name: one name per kind of truth (the inputs' digest does the rest)
    scores.__qualname__ = f"registration_scores[{'none' if truth is None else truth.kind}]"
    return scores


def registration_settings(truth) -> dict:
    names = (("error_px",) if truth is not None else ()) + ("mse", "seconds")
    columns = (("error_px", "error (px)", "%.2f"),) if truth is not None else ()
    return dict(scores=names, minimize=("error_px", "mse", "seconds"),
                columns=columns + (("mse", "MSE after", "%.4f"),))


def sweep_history(sweep_tab, history_tab, task: str, methods: list[Method], inputs: tuple,
                  results: list[RunResult], *, reference: np.ndarray, current: dict[str, dict], metrics,
                  scores: tuple[str, ...], minimize: tuple[str, ...], columns: tuple, recipe: str,
                  methods_key: str, key: str) -> None:
    """Record `results` (run with `metrics`) in the history, then fill the two tabs."""
    input_digest = inputs_digest(inputs)
    for result in results:
        record(task, result, input_digest=input_digest, recipe=recipe)
    if sweep_tab.open is not False:  # lazy tabs (ui.page.lazy_tabs) draw only the open one
        with sweep_tab:
            sweep_panel(methods, inputs, reference=reference, current=current, key=f"{key}.sweep",
                        methods_key=methods_key, scores=scores, metrics=metrics, minimize=minimize)
    if history_tab.open is not False:
        with history_tab:
            history_panel(task, input_digest=input_digest, methods_key=methods_key, key=f"{key}.history",
                          columns=columns)
