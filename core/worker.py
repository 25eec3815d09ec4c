"""A child process for the server's TensorFlow work, which exits when idle so that its memory comes back.

TensorFlow and Keras hold about 620 MB once imported, and a process cannot unload them. On the app's server
(ui.server enables this module) the methods marked `in_worker` (pure inference or self-contained training on
weights read from disk: the keras.applications models, transfer learning, MTCNN) run in one child process
(`python -m core.worker`) instead, one call at a time; the janitor stops the child after `idle_seconds` without
calls, and the next call starts a fresh one (TensorFlow's import and the model's load again, a few seconds).
(EfficientNet-Lite0 and its Grad-CAM run in numpy in the server itself: `core.pretrained.lite0_numpy`.) Everywhere
else (tests, scripts, bench, AppTest) `call` runs the function in-process.

    value, seconds = worker.call("core.worker:run_registered", "classify_imagenet", "mobilenet_v2", (image,), {})

Arguments and results cross the process boundary by pickle; an exception raised in the child is raised again in
the caller with its type (a ValueError stays a ValueError); a `progress(fraction, text)` callback is fed from the
child's messages. If the child dies mid-call, `WorkerGone` says so and the next call starts a new child.
"""
from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable

IDLE_SECONDS = 90.0
ROOT = Path(__file__).resolve().parents[1]
_state: dict[str, Any] = {"enabled": False, "idle_seconds": IDLE_SECONDS}


class WorkerGone(ValueError):
    """The child process ended while running a call (a ValueError: callers show its sentence like any other)."""


def _resolve(target: str) -> Callable:
    module, _, name = target.partition(":")
    function = importlib.import_module(module)
    for part in name.split("."):
        function = getattr(function, part)
    return function


def run_registered(task: str, key: str, inputs: tuple, params: dict, progress=None):
    """Run a registered method by task and key (what the child does for ui.runner)."""
    from core.registry import get_method

    return get_method(task, key).run(*inputs, params=params, progress=progress)


def _serve(connection, threads: int) -> None:
    """The child's loop: (call id, target, args, kwargs, wants progress) in, ("done" | "error" | "progress", ...)
    out, until None or the parent's end of the pipe closes."""
    from core.threads import limit_threads

    limit_threads(threads)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        call_id, target, args, kwargs, wants_progress = message
        if wants_progress:
            kwargs["progress"] = lambda fraction, text="": connection.send(("progress", call_id, float(fraction),
                                                                            str(text)))
        try:
            began = time.perf_counter()
            value = _resolve(target)(*args, **kwargs)
            connection.send(("done", call_id, value, time.perf_counter() - began))
        except BaseException as exc:  # sent back to be raised in the caller
            try:
                connection.send(("error", call_id, exc, None))
            except Exception:  # an exception that does not pickle: its type and text
                connection.send(("error", call_id, RuntimeError(f"{type(exc).__name__}: {exc}"), None))


class Worker:
    """One child process, started on the first call, serving calls one at a time."""

    def __init__(self, threads: int = 1):
        self.threads = threads
        self._lock = threading.Lock()
        self._process = None
        self._connection = None
        self._calls = 0
        self.last_used = time.monotonic()

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.alive else None

    def _start(self) -> None:
        """`python -m core.worker FD THREADS` with one end of a socket pair. Not multiprocessing's spawn: it
        re-imports the parent's `__main__`, which inside Streamlit is app.py (the child would run the app, warm-up
        included)."""
        ours, theirs = socket.socketpair()
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            self._process = subprocess.Popen([sys.executable, "-m", "core.worker", str(theirs.fileno()),
                                              str(self.threads)], pass_fds=(theirs.fileno(),), env=environment,
                                             cwd=ROOT, stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
        self._connection = Connection(ours.detach())

    def call(self, target: str, *args, progress: Callable[[float, str], None] | None = None, **kwargs):
        """Run `target` ("module:function") in the child; returns (value, seconds the function took there)."""
        with self._lock:
            if not self.alive:
                self._start()
            self._calls += 1
            call_id = self._calls
            try:
                self._connection.send((call_id, target, args, kwargs, progress is not None))
                while True:
                    kind, got, *rest = self._connection.recv()
                    if got != call_id:
                        continue
                    if kind == "progress":
                        progress(*rest)
                    elif kind == "done":
                        return rest[0], rest[1]
                    else:
                        raise rest[0]
            except (EOFError, OSError, BrokenPipeError) as exc:
                try:
                    code = self._process.wait(2)  # the pipe closes a moment before the exit code is known
                except subprocess.TimeoutExpired:
                    code = None
                self._stop()
                raise WorkerGone(f"The TensorFlow worker process stopped (exit code {code}) during {target}; the "
                                 "next run starts a new one.") from exc
            finally:
                self.last_used = time.monotonic()

    def _stop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.send(None)
            except (OSError, BrokenPipeError):
                pass
            self._connection.close()
        if self._process is not None:
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._process = self._connection = None

    def stop_if_idle(self, idle_seconds: float, now: float | None = None) -> bool:
        """Stop the child when no call ran for `idle_seconds` (never during a call); True when it stopped one."""
        now = time.monotonic() if now is None else now
        if not self.alive or now - self.last_used < idle_seconds or not self._lock.acquire(blocking=False):
            return False
        try:
            self._stop()
            return True
        finally:
            self._lock.release()

    def stop(self) -> None:
        with self._lock:
            self._stop()


WORKER = Worker()


def enable(idle_seconds: float = IDLE_SECONDS) -> None:
    """Route `call` through the child process from now on (the app's server does this once)."""
    from core.threads import app_threads

    WORKER.threads = app_threads()
    _state.update(enabled=True, idle_seconds=idle_seconds)


def enabled() -> bool:
    return _state["enabled"]


def call(target: str, *args, progress: Callable[[float, str], None] | None = None, **kwargs):
    """(value, seconds): `target` run in the child when enabled, else here."""
    if _state["enabled"]:
        return WORKER.call(target, *args, progress=progress, **kwargs)
    if progress is not None:
        kwargs["progress"] = progress
    began = time.perf_counter()
    value = _resolve(target)(*args, **kwargs)
    return value, time.perf_counter() - began


def stop_if_idle(now: float | None = None) -> bool:
    return WORKER.stop_if_idle(_state["idle_seconds"], now)


if __name__ == "__main__":  # the child: python -m core.worker FD THREADS
    _serve(Connection(int(sys.argv[1])), int(sys.argv[2]))
