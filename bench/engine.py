"""The run: every case (an image or example, under one setting) × every variant (a method with its parameters),
one record each, in the same order whether run here one after another or on a Dask cluster (`bench.parallel`).

`execute` runs one of them (here, or inside a Dask worker) and returns its record; `Collector` keeps the records
in the plan's order, appends each to the run's JSON Lines file as soon as it arrives, skips what a resumed run
already has, and drives the progress line.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable, Iterable, TextIO

from bench import runner
from bench.cases import Case
from bench.grid import Variant
from bench.store import LOST, Journal, key_of
from core.registry import Task
from core.threads import limit_threads


@dataclass
class CaseRef:
    """A case before it is made: its index in the plan, its name, and how to make it. `digest` and `settings`
    are known beforehand for image files (so a resumed run skips them without reading them again)."""

    index: int
    name: str
    make: Callable[[], Case]
    digest: str | None = None
    settings: dict | None = None


def slots(task: Task, variants: list[Variant]) -> list[Variant]:
    """What runs on each case: the "degraded" row first (when the task has a baseline), then every variant."""
    return ([Variant(None, {})] if task.baseline is not None else []) + list(variants)


def unit_key(task: Task, variant: Variant, digest: str | None, settings: dict | None) -> tuple:
    params = dict(settings or {}) if variant.method is None else variant.params
    return key_of(digest, task.name, variant.key, params, settings)


def execute(case: Case, task: Task, variant: Variant, repeat: int, where: str = "local", threads: int = 1) \
        -> tuple[dict | None, bool, list[str]]:
    """Run one variant on one case: (record, crashed, log lines). The record carries the case's setting and
    digest and where it ran; seconds are timed here, around `Method.run` only, with `threads` threads in BLAS,
    OpenMP, OpenCV and SimpleITK (the same in a serial run and in a Dask worker, so that their seconds compare)."""
    limit_threads(threads)
    messages: list[str] = []
    if variant.method is None:
        record, crashed = runner.baseline_record(case, task), False
        if record is None:
            return None, False, messages
    else:
        record, crashed = runner.run_method(case, variant.method, variant.params, repeat, messages.append)
    record.update(setting=dict(case.settings), digest=case.digest, worker=where)
    return record, crashed, messages


def lost_record(case: Case, task: Task, variant: Variant, why: str) -> dict:
    """The record of a case whose worker died every time it was tried (a resumed run tries it again)."""
    params = dict(case.settings) if variant.method is None else variant.params
    empty = dict.fromkeys(m.name for m in task.metrics_for(case.truth))
    return {"image": case.name, "task": task.name, "method": variant.key, "params": params, **empty,
            "seconds": None, "error": f"{LOST}: {why}", "setting": dict(case.settings), "digest": case.digest,
            "worker": None}


class Progress:
    """Cases done, failures and the time left, on stderr: a bar redrawn in place on a terminal, otherwise a
    line every few seconds. Quiet: nothing."""

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None, every: float = 5.0):
        self.total, self.quiet, self.stream, self.every = total, quiet, stream or sys.stderr, every
        self.done = self.resumed = self.failed = 0
        self.start = self._shown = time.monotonic()
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._drawn = False

    def skip(self, count: int = 1) -> None:
        self.resumed += count
        self.done += count

    def step(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += failed
        now = time.monotonic()
        if now - self._shown >= (0.2 if self._tty else self.every):
            self._show(now)

    def line(self, now: float | None = None) -> str:
        now = now or time.monotonic()
        computed, elapsed = self.done - self.resumed, now - self.start
        text = f"{self.done}/{self.total} cases"
        if self.resumed:
            text += f" ({self.resumed} from the earlier run)"
        text += f" · {self.failed} failed"
        if computed and self.done < self.total:
            left = elapsed / computed * (self.total - self.done)
            text += f" · {computed / elapsed:.1f}/s · ETA {_clock(left)}"
        elif self.done >= self.total:
            text += f" · {_clock(elapsed)}"
        return text

    def _show(self, now: float) -> None:
        self._shown = now
        if self.quiet:
            return
        if self._tty:
            share = self.done / self.total if self.total else 1.0
            bar = "#" * int(share * 20)
            self.stream.write(f"\r[{bar:<20}] {share:4.0%} {self.line(now)}\x1b[K")
            self._drawn = True
        else:
            self.stream.write(self.line(now) + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        if self.quiet:
            return
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        self._show(time.monotonic())
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Collector:
    """The records of the run in the plan's order (case, then slot), earlier ones included when resuming."""

    def __init__(self, task: Task, runs: list[Variant], progress: Progress, journal: Journal | None = None):
        self.task, self.runs, self.progress, self.journal = task, runs, progress, journal
        self.earlier = journal.done() if journal is not None else {}
        self.records: dict[tuple[int, int], dict] = {}
        self.crashes = self.lost = 0

    def missing(self, ref: CaseRef, digest: str | None, settings: dict | None) -> list[int]:
        """The slots of a case still to run; the others are taken from the earlier run: its record of this image,
        or else its record of the same pixels under another name (a file renamed or moved since, or a copy),
        copied under this name and written to the journal, so that every image of the run has its own line."""
        todo = []
        for slot, variant in enumerate(self.runs):
            if (ref.index, slot) in self.records:
                continue
            by_name = self.earlier.get(unit_key(self.task, variant, digest, settings), {})
            earlier = by_name.get(ref.name)
            if earlier is None and by_name:
                earlier = by_name[ref.name] = {**next(iter(by_name.values())), "image": ref.name}
                if self.journal is not None:
                    self.journal.append(earlier)
            if earlier is not None:
                self.records[(ref.index, slot)] = earlier
                self.progress.skip()
            else:
                todo.append(slot)
        return todo

    def add(self, index: int, slot: int, record: dict | None, crashed: bool = False,
            messages: Iterable[str] = ()) -> None:
        for message in messages:
            self.progress.message(message)
        if record is None:  # a task without a baseline: nothing to record
            self.progress.skip()
            return
        lost = str(record.get("error", "")).startswith(LOST)
        self.crashes += crashed
        self.lost += lost
        self.records[(index, slot)] = record
        if self.journal is not None:
            self.journal.append(record)
        self.progress.step(failed=crashed or lost)

    def ordered(self) -> list[dict]:
        return [self.records[key] for key in sorted(self.records)]


def run_serial(refs: Iterable[CaseRef], task: Task, collector: Collector, repeats: dict[str, int],
               threads: int = 1) -> None:
    """Every case here, one after another, one case's inputs in memory at a time; methods use `threads` threads."""
    for ref in refs:
        if ref.digest is not None and not collector.missing(ref, ref.digest, ref.settings):
            continue  # all done in the earlier run: not even read again
        case = ref.make()
        for slot in collector.missing(ref, case.digest, case.settings):
            variant = collector.runs[slot]
            record, crashed, messages = execute(case, task, variant, repeats.get(variant.key, 1), threads=threads)
            collector.add(ref.index, slot, record, crashed, messages)
