"""Page anatomy shared by every topic page: title, one line on what it compares, the chapter."""
from __future__ import annotations

import streamlit as st


def header(title: str, summary: str, chapter: str) -> None:
    st.title(title)
    st.markdown(f"{summary}  \n:gray[Book: *Image Processing and Computer Vision Masterclass with Python*, {chapter}.]")


COMPARE = ":material/bar_chart: Compare"
SWEEP = ":material/tune: Sweep"
HISTORY = ":material/history: History"
EXPORT = ":material/download: Export"


def lazy_tabs(labels: list[str], *, key: str) -> list:
    """Tabs that track which one is open: switching reruns the script, and a caller draws a tab's body
    only `if tab.open`, so hidden tabs cost nothing on a rerun. `st.session_state[key]` is the open label."""
    return st.tabs(labels, key=key, on_change="rerun")
