"""The session's run history: every distinct run with its metrics, and a way to reopen it."""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from core.registry import get_method
from ui.params import set_params
from ui.runner import params_key

HISTORY_KEY = "run_history"
MAX_ENTRIES = 200


def record(comparison, result) -> None:
    """Add a successful run unless the same run (task, method, params, input) is already there."""
    if not result.ok:
        return
    history = st.session_state.setdefault(HISTORY_KEY, [])
    task, digest = comparison.task.name, comparison.digest
    signature = (task, result.method.key, params_key(result.params), digest)
    if any(entry["signature"] == signature for entry in history):
        return
    history.append(dict(signature=signature, task=task, key=comparison.key, method=result.method.key,
                        label=result.method.label, params=dict(result.params), input=digest[:8],
                        recipe=comparison.recipe, metrics=dict(result.metrics), seconds=result.seconds,
                        when=time.strftime("%H:%M:%S")))
    del history[:-MAX_ENTRIES]


def _reopen(entry: dict, methods_key: str) -> None:
    method = get_method(entry["task"], entry["method"])
    set_params(method, entry["params"])
    chosen = list(st.session_state.get(methods_key, []))
    if method.key not in chosen:
        st.session_state[methods_key] = chosen + [method.key]


def history_panel(comparison) -> None:
    """This comparison's runs this session (its metrics as columns), and a way to reopen one."""
    key = f"{comparison.key}.history"
    entries = [e for e in st.session_state.get(HISTORY_KEY, [])
               if e["task"] == comparison.task.name and e.get("key", comparison.key) == comparison.key]
    if not entries:
        st.caption("Runs you make on this page appear here.")
        return
    metrics = comparison.metrics
    frame = pd.DataFrame([{
        "time": e["when"], "method": e["label"], **{m.title: e["metrics"].get(m.name) for m in metrics},
        "seconds": e["seconds"], "input": e["input"],
        "parameters": ", ".join(f"{k}={v}" for k, v in e["params"].items()),
    } for e in entries])
    config = {m.title: st.column_config.NumberColumn(format=f"%.{m.digits}f") for m in metrics}
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config=dict(config, seconds=st.column_config.NumberColumn(format="%.3f")))
    first = metrics[0] if metrics else None

    def label(i: int) -> str:
        text = f"{entries[i]['when']} · {entries[i]['label']}"
        return text + (f" · {first.label} {first.format(entries[i]['metrics'].get(first.name))}" if first else "")

    index = st.selectbox("Run to reopen", range(len(entries)), index=len(entries) - 1, key=f"{key}.pick",
                         format_func=label)
    entry = entries[index]
    if entry["input"] != comparison.digest[:8]:
        st.warning("That run used a different input; reopening restores the method and its parameters. "
                   "Its input recipe is in the snippet below.")
        st.code(entry["recipe"], language="python")
    st.button("Reopen this run", key=f"{key}.reopen", on_click=_reopen, args=(entry, comparison.methods_key))
