"""A queue for heavy jobs (BM3D, training, a slow method's sweep point) shared by every session of the server.

At most `slots` heavy jobs run at once in the process, and at most `per_owner` of them for one owner (a visitor's
session), so that a class running BM3D together leaves cores for everybody's light reruns. Waiting jobs are served
in arrival order, skipping those whose owner is at its limit. While a job waits, `on_wait(ahead)` is called about
twice a second with the number of jobs before it; it may raise to give up (the session left or asked for another
run), and the job then leaves the queue.

    with HEAVY.slot(session_id, on_wait=lambda ahead: show(f"queued, {ahead} ahead")):
        result = bm3d(image)
"""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from typing import Callable, Hashable, Iterator

from core.threads import available_cores


class JobQueue:
    def __init__(self, slots: int, per_owner: int = 1, poll: float = 0.5):
        if slots < 1 or per_owner < 1:
            raise ValueError("A job queue needs at least one slot, and at least one per owner.")
        self.slots, self.per_owner, self.poll = slots, per_owner, poll
        self._changed = threading.Condition()
        self._waiting: list[tuple[object, Hashable]] = []  # (ticket, owner), in arrival order
        self._running: Counter = Counter()  # owner -> jobs running

    @property
    def running(self) -> int:
        return sum(self._running.values())

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def _next(self) -> object | None:
        """The ticket that may start now, if any."""
        if self.running >= self.slots:
            return None
        for ticket, owner in self._waiting:
            if self._running[owner] < self.per_owner:
                return ticket
        return None

    @contextmanager
    def slot(self, owner: Hashable, on_wait: Callable[[int], None] | None = None) -> Iterator[None]:
        ticket = object()
        with self._changed:
            self._waiting.append((ticket, owner))
        try:
            while True:
                with self._changed:
                    if self._next() is ticket:
                        self._waiting = [(t, o) for t, o in self._waiting if t is not ticket]
                        self._running[owner] += 1
                        break
                    ahead = self.running + next(i for i, (t, _) in enumerate(self._waiting) if t is ticket)
                    self._changed.wait(self.poll)
                if on_wait is not None:
                    on_wait(ahead)
        except BaseException:
            with self._changed:
                self._waiting = [(t, o) for t, o in self._waiting if t is not ticket]
                self._changed.notify_all()
            raise
        try:
            yield
        finally:
            with self._changed:
                self._running[owner] -= 1
                if self._running[owner] <= 0:
                    del self._running[owner]
                self._changed.notify_all()


# One heavy job per core pair (one on a 2-core host) and one per visitor, for the app's slow methods.
HEAVY = JobQueue(slots=max(1, available_cores() // 2), per_owner=1)
