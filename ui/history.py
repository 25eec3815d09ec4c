"""The session's run history: every distinct run with its metrics, and a way to reopen it."""
from __future__ import annotations

import math
import time

import pandas as pd
import streamlit as st

from core.registry import get_method
from ui.params import set_params
from ui.runner import params_key

HISTORY_KEY = "run_history"
MAX_ENTRIES = 200


def record(task: str, result, *, input_digest: str, recipe: str) -> None:
    """Add a successful run unless the same run (method, params, input) is already there."""
    if not result.ok:
        return
    history = st.session_state.setdefault(HISTORY_KEY, [])
    signature = (task, result.method.key, params_key(result.params), input_digest)
    if any(entry["signature"] == signature for entry in history):
        return
    history.append(dict(signature=signature, task=task, method=result.method.key, label=result.method.label,
                        params=dict(result.params), input=input_digest[:8], recipe=recipe,
                        psnr=result.metrics.get("psnr"), ssim=result.metrics.get("ssim"),
                        metrics=dict(result.metrics), seconds=result.seconds, when=time.strftime("%H:%M:%S")))
    del history[:-MAX_ENTRIES]


def _reopen(entry: dict, methods_key: str) -> None:
    method = get_method(entry["task"], entry["method"])
    set_params(method, entry["params"])
    chosen = list(st.session_state.get(methods_key, []))
    if method.key not in chosen:
        st.session_state[methods_key] = chosen + [method.key]


def history_panel(task: str, *, input_digest: str, methods_key: str, key: str,
                  columns: tuple[tuple[str, str, str], ...] = (("psnr", "PSNR", "%.2f"), ("ssim", "SSIM", "%.3f"))
                  ) -> None:
    """`columns`: (metric name, column title, format) shown per run; the first also labels the picker."""
    entries = [e for e in st.session_state.get(HISTORY_KEY, []) if e["task"] == task]
    if not entries:
        st.caption("Runs you make on this page appear here.")
        return

    def value(entry: dict, name: str):
        return entry.get("metrics", {}).get(name, entry.get(name))

    frame = pd.DataFrame([{
        "time": e["when"], "method": e["label"], **{title: value(e, name) for name, title, _ in columns},
        "seconds": e["seconds"], "input": e["input"],
        "parameters": ", ".join(f"{k}={v}" for k, v in e["params"].items()),
    } for e in entries])
    config = {title: st.column_config.NumberColumn(format=fmt) for _, title, fmt in columns}
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config=dict(config, seconds=st.column_config.NumberColumn(format="%.3f")))
    first, first_title, _ = columns[0]
    index = st.selectbox("Run to reopen", range(len(entries)), index=len(entries) - 1, key=f"{key}.pick",
                         format_func=lambda i: f"{entries[i]['when']} · {entries[i]['label']} · {first_title} "
                         f"{_fmt(value(entries[i], first))}")
    entry = entries[index]
    if entry["input"] != input_digest[:8]:
        st.warning("That run used a different input image; reopening restores the method and its parameters. "
                   "Its input recipe is in the snippet below.")
        st.code(entry["recipe"], language="python")
    st.button("Reopen this run", key=f"{key}.reopen", on_click=_reopen, args=(entry, methods_key))


def _fmt(value) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"
