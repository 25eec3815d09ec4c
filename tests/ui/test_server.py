"""How the app runs inside Streamlit's server (ui.server): no full garbage collection after every script run, no
Keras reset after every run, and a janitor that collects when the server is idle after work."""
import gc
import sys
import tomllib
import types
from pathlib import Path

import pytest

from ui import server

ROOT = Path(__file__).resolve().parents[2]


def test_the_config_switches_off_streamlits_collection_after_every_run():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_streamlits_per_run_cleanup_leaves_keras_alone(monkeypatch):
    from streamlit.runtime.scriptrunner import script_runner

    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)
    calls = []
    keras = types.ModuleType("keras")
    keras.backend = types.SimpleNamespace(clear_session=lambda: calls.append("keras"))
    pyplot = types.ModuleType("matplotlib.pyplot")
    pyplot.close = lambda which: calls.append(f"pyplot {which}")
    monkeypatch.setitem(sys.modules, "keras", keras)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", pyplot)
    assert server._skip_keras_reset(), "this Streamlit has no _clean_problem_modules: check what it cleans now"
    script_runner._clean_problem_modules()
    assert calls == ["pyplot all"]  # figures are still closed; Keras' global state is not reset


def test_the_janitor_collects_only_when_idle_after_work(monkeypatch):
    collected = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(1) or 0)
    monkeypatch.setattr(server, "_last_run", [0.0, 0])
    assert not server.collect_if_idle(now=100.0)  # nothing ran: nothing to do
    server.run_finished()
    began = server._last_run[0]
    assert not server.collect_if_idle(now=began + 1.0)  # a run just finished: the server may be busy
    assert server.collect_if_idle(now=began + server.IDLE_SECONDS + 0.1)
    assert not server.collect_if_idle(now=began + 60.0)  # once per spell of work
    assert server.collect_if_idle(now=began + 61.0, released=2 ** 20)  # cache entries were released
    assert collected == [1, 1]


def test_freeze_moves_what_exists_into_the_permanent_generation():
    try:
        server.freeze()
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("alive", [True, False])
def test_a_visitor_is_alive_while_the_runtime_has_their_session(monkeypatch, alive):
    from streamlit.runtime import Runtime

    fake = types.SimpleNamespace(is_active_session=lambda session_id: alive and session_id == "s1")
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: fake))
    assert server._visitor_alive("s1") is alive
    assert not server._visitor_alive("s2")


def test_tensorflow_work_leaves_the_process_only_on_the_real_server():
    from core import worker

    assert not server.on_real_server()  # pytest (and AppTest) run pages in-process
    assert not worker.enabled()
