"""The default view of each page, computed once per process before visitors ask for it.

app.py starts `warm(pages)` in a background thread when the server's first session arrives. Each page script is
run bare (no session: widgets give their defaults, nothing is drawn), which fills the process-wide caches (the
runner's results, `ui.memo` values, figures, samples) with exactly the entries a visitor's first run looks up, so
that the first visitor of a page gets it as fast as the tenth. A page being warmed while a visitor opens it is not
computed twice: the caches make a second caller wait for the first (core.caching.BoundedCache).

The thread runs at a lower CPU priority (Linux), one page after another, and a page that fails is logged and
skipped: warming is an optimisation, never a condition for a page to work.
"""
from __future__ import annotations

import logging
import os
import runpy
import sys
import threading
import time
from pathlib import Path

from streamlit.runtime.state import session_state_proxy

LOG = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
ENABLED = "IPCV_WARM_UP"  # "0" turns it off (app.py reads it; the tests set it, so that it can't compete with them)
NICE = 10
DONE = "ipcv warm-up done:"  # the line the server log gets at the end (the load probe waits for it)
STATUS: dict[str, str] = {}  # page path -> "ok 1.23 s" or the error, for the logs and the tests


def warm_page(path: str) -> str:
    """Run one page bare; returns "ok <seconds> s" or what went wrong."""
    began = time.perf_counter()
    session_state_proxy._mock_session_state = None  # noqa: SLF001 (bare runs share one state: start each page clean)
    try:
        runpy.run_path(str(ROOT / path), run_name="__main__")
        outcome = f"ok {time.perf_counter() - began:.2f} s"
    except Exception as exc:  # a page that can't run bare is simply not warmed
        outcome = f"{type(exc).__name__}: {exc}"
        LOG.warning("warm-up of %s failed: %s", path, outcome)
    STATUS[path] = outcome
    return outcome


def warm(pages: list[str]) -> dict[str, str]:
    """Warm the pages in order, at a lower priority than the sessions' threads."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)  # this thread only (Linux)
    except (AttributeError, OSError):
        pass
    for path in pages:
        warm_page(path)
    from ui import server

    server.freeze()  # what start-up and warm-up made stays: later garbage collections skip it
    print(f"{DONE} {sum(v.startswith('ok') for v in STATUS.values())} of {len(pages)} pages", file=sys.stderr,
          flush=True)
    return dict(STATUS)
