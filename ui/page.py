"""Page anatomy shared by every topic page: title, one line on what it compares, the chapter."""
from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

RUN_LOG = "IPCV_RUN_LOG"  # a file: app.py appends a line per full run of a page (the load probe and tests read it)
TITLE = "ipcv_title"  # header() marks the script thread with the page's title, for that line
VIA_APP = "ipcv_via_app"  # app.py marks the script thread with it on every run, just before it hands over to the page


def _hand_back_to_app() -> None:
    """Streamlit treats an app with a pages/ folder as an old-style multipage app until app.py has called
    st.navigation once in the process, so a deep link such as /denoising opened on a fresh server runs the page
    without app.py (no page config, no grouped navigation). On the real server such a run reruns at once,
    through app.py. (AppTest always runs a page that way, so there it goes on.)

    This must not happen while `ui` is being imported: an exception there leaves a half-imported `ui` to the
    sessions importing it at the same moment ("module 'ui' has no attribute 'header'")."""
    thread = threading.current_thread()
    via_app = getattr(thread, VIA_APP, False)
    setattr(thread, VIA_APP, False)
    if via_app or type(Runtime._instance) is not Runtime:  # noqa: SLF001 (AppTest's runtime is a mock)
        return
    ctx = get_script_run_ctx()
    if ctx is not None and Path(ctx.main_script_path).name == "app.py":
        PagesManager.uses_pages_directory = False
        st.rerun()


def header(title: str, summary: str, chapter: str) -> None:
    _hand_back_to_app()
    setattr(threading.current_thread(), TITLE, title)
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
