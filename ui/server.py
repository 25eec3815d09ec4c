"""How the app behaves inside Streamlit's server, once per process (app.py calls `tune()`).

Measured with the load probe and py-spy (10 sessions on 2 cores): half of the time the server held Python's GIL
went to a full `gc.collect(2)` that Streamlit runs after every script run (`runner.postScriptGC`, switched off in
.streamlit/config.toml), and another 8 % to `keras.backend.clear_session()`, which Streamlit calls after every run
of every page once Keras is imported (a full collection again, and a reset of Keras' global state while another
session may be training a network). Instead:

- Streamlit's per-run Keras reset is skipped (our networks are built in core and cached, never per run);
- cache entries remember which visitors used them (core.caching): the janitor drops those whose visitors have all
  left (their websocket closed), while the default views the process computed itself (warm-up) stay;
- the janitor collects garbage and hands freed memory back to the OS when the server is idle (no script run for
  `IDLE_SECONDS`) after work or after such a release, so memory comes back after a class;
- TensorFlow work (core.worker) runs in a child process that the janitor stops after a minute and a half without
  calls: TensorFlow's 620 MB leave with it;
- `freeze()` moves what exists after start-up and warm-up into Python's permanent generation, which later
  collections skip.
"""
from __future__ import annotations

import gc
import sys
import threading
import time

from core import caching, worker

IDLE_SECONDS = 5.0  # no script run for this long: the janitor may collect
CHECK_EVERY = 2.0
_last_run = [time.monotonic(), 0]  # (when a script run last finished, runs since the last collection)
_lock = threading.Lock()


def _skip_keras_reset() -> bool:
    """Replace Streamlit's per-run cleanup of stateful modules with one that leaves Keras alone (it still closes
    matplotlib figures). False when this Streamlit has no such hook (then there is nothing to skip)."""
    from streamlit.runtime.scriptrunner import script_runner

    if not hasattr(script_runner, "_clean_problem_modules"):
        return False

    def clean_problem_modules() -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            try:
                pyplot.close("all")
            except Exception:  # as Streamlit's own: a cleanup never breaks a run
                pass

    clean_problem_modules.ipcv = True
    script_runner._clean_problem_modules = clean_problem_modules
    return True


def run_finished() -> None:
    """A script run ended (app.py calls this after each page run)."""
    with _lock:
        _last_run[0] = time.monotonic()
        _last_run[1] += 1


def collect_if_idle(now: float | None = None, released: int = 0) -> bool:
    """One janitor step: when scripts ran (or `released` bytes of cache entries were dropped) since the last
    collection and no script ran for IDLE_SECONDS, age out old cache entries, collect garbage and trim the C heap.
    True when it collected."""
    now = time.monotonic() if now is None else now
    with _lock:
        if (_last_run[1] == 0 and not released) or now - _last_run[0] < IDLE_SECONDS:
            return False
        _last_run[1] = 0
    caching.expire_all()
    gc.collect()
    caching.trim_heap()
    return True


def session_id() -> str | None:
    """The id of the session whose script runs on this thread (None outside a script run)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def _visitor_alive(session_id: str) -> bool:
    from streamlit.runtime import Runtime

    return Runtime.exists() and Runtime.instance().is_active_session(session_id)


def _janitor() -> None:
    released = 0
    while True:
        time.sleep(CHECK_EVERY)
        try:
            released += caching.release_all(_visitor_alive)
            worker.stop_if_idle()
            if collect_if_idle(released=released):
                released = 0
        except Exception as exc:  # never let the janitor die silently
            print(f"ipcv janitor: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)


def freeze() -> None:
    """Move every object alive now into the permanent generation (after imports and warm-up)."""
    gc.collect()
    gc.freeze()


def on_real_server() -> bool:
    """True inside `streamlit run`, False under AppTest (whose runtime is a mock) or a bare run."""
    from streamlit.runtime import Runtime

    return type(Runtime._instance) is Runtime  # noqa: SLF001


def tune() -> threading.Thread:
    """Once per process: skip the per-run Keras reset, tell the caches which visitor asks, run TensorFlow work in
    a child process that exits when idle (core.worker; on the real server only), start the janitor."""
    _skip_keras_reset()
    caching.set_owner_lookup(session_id)
    if on_real_server():
        worker.enable()
    thread = threading.Thread(target=_janitor, name="ipcv-janitor", daemon=True)
    thread.start()
    return thread
