"""Parameter sweeps: one parameter as a line, two as a heatmap, the best point marked and usable."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.registry import Method
from ui.params import set_params
from ui.runner import run_method

SWEEP_POINTS = {1: 9, 2: 6}
SCORE_TITLES = {"psnr": "PSNR (dB)", "ssim": "SSIM", "iou": "IoU", "dice": "Dice",
                "psnr_mask": "PSNR in the mask (dB)", "ssim_mask": "SSIM in the mask",
                "error_px": "error (px)", "mse": "MSE after", "seconds": "time (s)", "keypoints": "keypoints",
                "accuracy": "held-out accuracy"}


def _use_best(method: Method, params: dict, methods_key: str) -> None:
    set_params(method, params)
    chosen = list(st.session_state.get(methods_key, []))
    if method.key not in chosen:
        st.session_state[methods_key] = chosen + [method.key]


def sweep_panel(methods: list[Method], inputs: tuple | dict, *, reference: np.ndarray | None,
                current: dict[str, dict], key: str, methods_key: str, scores: tuple[str, ...] = ("psnr", "ssim"),
                metrics=None, minimize: tuple[str, ...] = ()) -> None:
    """`current` maps method key to the parameters now set in its widgets (the sweep's fixed values).
    `inputs` is the task's inputs, or a dict {method key: inputs} when methods take different inputs.
    `scores` (metric names; "seconds" is the run time) and `metrics` (see `ui.runner.run_method`) replace
    PSNR/SSIM; a score named in `minimize` is best when lowest (errors, times)."""
    if reference is None:
        st.info("Sweeps need a reference to score against.")
        return
    sweepable = [m for m in methods if m.params]
    if not sweepable:
        st.info("None of the chosen methods has a parameter to sweep.")
        return
    c1, c2, c3 = st.columns(3)
    by_key = {m.key: m for m in sweepable}
    method = by_key[c1.selectbox("Method", list(by_key), format_func=lambda k: by_key[k].label, key=f"{key}.method")]
    names = [p.name for p in method.params]
    first = c2.selectbox("Parameter", names, format_func=lambda n: method.param(n).label, key=f"{key}.p1")
    second = c3.selectbox("Second parameter (optional)", ["—"] + [n for n in names if n != first],
                          format_func=lambda n: n if n == "—" else method.param(n).label, key=f"{key}.p2")
    swept = [first] + ([second] if second != "—" else [])
    score = st.radio("Score", list(scores), horizontal=True, format_func=lambda n: SCORE_TITLES.get(n, n),
                     key=f"{key}.score")
    grids = [method.param(n).sweep_values(SWEEP_POINTS[len(swept)]) for n in swept]
    runs = int(np.prod([len(g) for g in grids]))
    note = f"{runs} runs" + (" of a slow method: this can take a while" if method.slow else "")
    state_key = f"{key}.result"
    if st.button(f"Run sweep ({note})", key=f"{key}.run", type="primary"):
        base = dict(current.get(method.key, method.defaults()))
        bar = st.progress(0.0, text="Sweeping…")
        table = np.full([len(g) for g in grids], np.nan)
        values = {name: table.copy() for name in scores}
        method_inputs = inputs[method.key] if isinstance(inputs, dict) else inputs
        for index in np.ndindex(*table.shape):
            params = dict(base, **{n: grids[i][index[i]] for i, n in enumerate(swept)})
            result = run_method(method, method_inputs, params, reference=reference, show_progress=False,
                                metrics=metrics)
            for name in values:
                value = result.seconds if name == "seconds" else result.metrics.get(name, np.nan)
                values[name][index] = value if result.ok else np.nan
            done = (np.ravel_multi_index(index, table.shape) + 1) / table.size
            bar.progress(done, text=f"Sweeping… {int(done * table.size)}/{table.size}")
        bar.empty()
        st.session_state[state_key] = dict(method=method.key, swept=swept, grids=grids, base=base, scores=scores,
                                           **values)
    result = st.session_state.get(state_key)
    if not result or result["method"] != method.key or result["swept"] != swept or score not in result:
        st.caption("Choose a parameter and run the sweep. The other parameters keep their current values.")
        return
    values = result[score]
    if np.all(np.isnan(values)):
        st.error("Every run of the sweep failed; see the method's message in the results grid.")
        return
    best_index = np.unravel_index((np.nanargmin if score in minimize else np.nanargmax)(values), values.shape)
    best = {n: result["grids"][i][best_index[i]] for i, n in enumerate(result["swept"])}
    st.plotly_chart(_figure(method, result, score, best_index), width="stretch", key=f"{key}.chart")
    best_text = ", ".join(f"{method.param(n).label} = {v}" for n, v in best.items())
    st.success(f"Best {SCORE_TITLES.get(score, score).split(' (')[0]} {values[best_index]:.3f} at {best_text}.")
    st.button("Use the best setting", key=f"{key}.use", on_click=_use_best,
              args=(method, dict(result["base"], **best), methods_key))


def _figure(method: Method, result: dict, score: str, best_index: tuple) -> go.Figure:
    swept, grids, values = result["swept"], result["grids"], result[score]
    labels = [method.param(n).label for n in swept]
    as_text = [[str(v) for v in g] for g in grids]
    if len(swept) == 1:
        fig = go.Figure()
        x = as_text[0] if method.param(swept[0]).kind in ("choice", "bool") else grids[0]
        names = list(result.get("scores", ("psnr", "ssim")))
        if score not in names[:2]:  # only two axes: the chosen score is always drawn
            names = [score] + [n for n in names if n != score]
        for i, (name, dash) in enumerate(zip(names, (None, "dot"))):
            fig.add_trace(go.Scatter(x=x, y=result[name], mode="lines+markers", name=SCORE_TITLES.get(name, name),
                                     yaxis="y" if i == 0 else "y2", line=dict(dash=dash)))
        fig.add_trace(go.Scatter(x=[x[best_index[0]]], y=[values[best_index]], mode="markers", name="best",
                                 marker=dict(size=16, symbol="star", color="#e45756"),
                                 yaxis="y" if score == names[0] else "y2"))
        fig.update_layout(xaxis_title=labels[0], yaxis=dict(title=SCORE_TITLES.get(names[0], names[0])))
        if len(names) > 1:
            fig.update_layout(yaxis2=dict(title=SCORE_TITLES.get(names[1], names[1]), overlaying="y", side="right"))
        if method.param(swept[0]).log:
            fig.update_xaxes(type="log")
    else:
        fig = go.Figure(go.Heatmap(z=values, x=as_text[1], y=as_text[0], colorscale="Viridis",
                                   colorbar=dict(title=SCORE_TITLES.get(score, score)),
                                   text=np.vectorize(lambda v: "" if math.isnan(v) else f"{v:.2f}")(values),
                                   texttemplate="%{text}"))
        fig.add_trace(go.Scatter(x=[as_text[1][best_index[1]]], y=[as_text[0][best_index[0]]], mode="markers",
                                 marker=dict(size=18, symbol="star", color="#e45756"), name="best"))
        fig.update_layout(xaxis_title=labels[1], yaxis_title=labels[0])
        fig.update_xaxes(type="category")
        fig.update_yaxes(type="category")
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), title=f"{method.label}: {SCORE_TITLES.get(score, score)}")
    return fig
