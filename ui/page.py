"""Page anatomy shared by every topic page: title, one line on what it compares, the chapter."""
from __future__ import annotations

import os

import streamlit as st

RUN_LOG = "IPCV_RUN_LOG"  # a file: each full run of a page appends its title (the load probe and tests count them)


def header(title: str, summary: str, chapter: str) -> None:
    if os.environ.get(RUN_LOG):
        with open(os.environ[RUN_LOG], "a", encoding="utf-8") as log:
            log.write(title + "\n")
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
