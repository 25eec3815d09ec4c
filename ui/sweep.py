"""Parameter sweeps: one parameter as a line, two as a heatmap, the best point marked and usable."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.registry import Method
from core.tasks.protocol import SECONDS, Metric, MissingInput
from ui.params import set_params

SWEEP_POINTS = {1: 9, 2: 6}


def _use_best(method: Method, params: dict, methods_key: str) -> None:
    set_params(method, params)
    chosen = list(st.session_state.get(methods_key, []))
    if method.key not in chosen:
        st.session_state[methods_key] = chosen + [method.key]


def sweep_panel(comparison) -> None:
    """Sweep one or two parameters of one chosen method, scored by the task's metrics (and the run time); the
    other parameters keep their current values. The best point is marked and can be used at once."""
    key, task = f"{comparison.key}.sweep", comparison.task
    scores = [m for m in comparison.metrics] + [SECONDS]
    if len(scores) == 1:
        st.info("This comparison has no score to sweep against (no reference is known here).")
        return
    runnable = []
    for method in comparison.methods:
        try:
            comparison.arguments(method)
        except MissingInput:
            continue
        if method.params:
            runnable.append(method)
    if not runnable:
        st.info("None of the chosen methods has a parameter to sweep (or the inputs they need).")
        return
    c1, c2, c3 = st.columns(3)
    by_key = {m.key: m for m in runnable}
    method = by_key[c1.selectbox("Method", list(by_key), format_func=lambda k: by_key[k].label, key=f"{key}.method")]
    names = [p.name for p in method.params]
    first = c2.selectbox("Parameter", names, format_func=lambda n: method.param(n).label, key=f"{key}.p1")
    second = c3.selectbox("Second parameter (optional)", ["—"] + [n for n in names if n != first],
                          format_func=lambda n: n if n == "—" else method.param(n).label, key=f"{key}.p2")
    swept = [first] + ([second] if second != "—" else [])
    by_name = {m.name: m for m in scores}
    names = list(by_name)
    score = by_name[st.radio("Score", names, horizontal=True, format_func=lambda n: by_name[n].title,
                             index=names.index(task.primary) if task.primary in names else 0, key=f"{key}.score")]
    grids = [method.param(n).sweep_values(SWEEP_POINTS[len(swept)]) for n in swept]
    runs = int(np.prod([len(g) for g in grids]))
    note = f"{runs} runs" + (" of a slow method: this can take a while" if method.slow else "")
    state_key = f"{key}.result"
    if st.button(f"Run sweep ({note})", key=f"{key}.run", type="primary"):
        base = dict(comparison.params.get(method.key, method.defaults()))
        bar = st.progress(0.0, text="Sweeping…")
        table = np.full([len(g) for g in grids], np.nan)
        values = {m.name: table.copy() for m in scores}
        for index in np.ndindex(*table.shape):
            params = dict(base, **{n: grids[i][index[i]] for i, n in enumerate(swept)})
            result = comparison.run(method, params, show_progress=False)
            for name in values:
                value = result.seconds if name == SECONDS.name else result.metrics.get(name, np.nan)
                values[name][index] = value if result.ok else np.nan
            done = (np.ravel_multi_index(index, table.shape) + 1) / table.size
            bar.progress(done, text=f"Sweeping… {int(done * table.size)}/{table.size}")
        bar.empty()
        st.session_state[state_key] = dict(method=method.key, swept=swept, grids=grids, base=base,
                                           scores=[m.name for m in scores], **values)
    result = st.session_state.get(state_key)
    if not result or result["method"] != method.key or result["swept"] != swept or score.name not in result:
        st.caption("Choose a parameter and run the sweep. The other parameters keep their current values.")
        return
    values = result[score.name]
    if np.all(np.isnan(values)):
        st.error("Every run of the sweep failed; see the method's message in the results grid.")
        return
    best_index = np.unravel_index((np.nanargmax if score.higher_is_better else np.nanargmin)(values), values.shape)
    best = {n: result["grids"][i][best_index[i]] for i, n in enumerate(result["swept"])}
    st.plotly_chart(_figure(method, result, score, [by_name[n] for n in result["scores"]], best_index),
                    width="stretch", key=f"{key}.chart")
    best_text = ", ".join(f"{method.param(n).label} = {v}" for n, v in best.items())
    st.success(f"Best {score.label} {values[best_index]:.3f} at {best_text}.")
    st.button("Use the best setting", key=f"{key}.use", on_click=_use_best,
              args=(method, dict(result["base"], **best), comparison.methods_key))


def _figure(method: Method, result: dict, score: Metric, metrics: list[Metric], best_index: tuple) -> go.Figure:
    swept, grids, values = result["swept"], result["grids"], result[score.name]
    labels = [method.param(n).label for n in swept]
    as_text = [[str(v) for v in g] for g in grids]
    if len(swept) == 1:
        fig = go.Figure()
        x = as_text[0] if method.param(swept[0]).kind in ("choice", "bool") else grids[0]
        shown = [m for m in metrics if m.name != SECONDS.name] or metrics
        if score not in shown[:2]:  # only two axes: the chosen score is always drawn
            shown = [score] + [m for m in shown if m != score]
        for i, (metric, dash) in enumerate(zip(shown, (None, "dot"))):
            fig.add_trace(go.Scatter(x=x, y=result[metric.name], mode="lines+markers", name=metric.title,
                                     yaxis="y" if i == 0 else "y2", line=dict(dash=dash)))
        fig.add_trace(go.Scatter(x=[x[best_index[0]]], y=[values[best_index]], mode="markers", name="best",
                                 marker=dict(size=16, symbol="star", color="#e45756"),
                                 yaxis="y" if score == shown[0] else "y2"))
        fig.update_layout(xaxis_title=labels[0], yaxis=dict(title=shown[0].title))
        if len(shown) > 1:
            fig.update_layout(yaxis2=dict(title=shown[1].title, overlaying="y", side="right"))
        if method.param(swept[0]).log:
            fig.update_xaxes(type="log")
    else:
        fig = go.Figure(go.Heatmap(z=values, x=as_text[1], y=as_text[0], colorscale="Viridis",
                                   colorbar=dict(title=score.title),
                                   text=np.vectorize(lambda v: "" if math.isnan(v) else f"{v:.2f}")(values),
                                   texttemplate="%{text}"))
        fig.add_trace(go.Scatter(x=[as_text[1][best_index[1]]], y=[as_text[0][best_index[0]]], mode="markers",
                                 marker=dict(size=18, symbol="star", color="#e45756"), name="best"))
        fig.update_layout(xaxis_title=labels[1], yaxis_title=labels[0])
        fig.update_xaxes(type="category")
        fig.update_yaxes(type="category")
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), title=f"{method.label}: {score.title}")
    return fig
