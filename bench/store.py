"""Nothing lost: every record is appended to a JSON Lines file as soon as it is finished, and `--resume` reads the
file back and skips the cases already there.

A case is the same when its image digest, task, method, parameters and setting (the degradation) are the same;
two files with the same pixels are two images, each with its own record (a record is taken for another file
only when no record of that file's name is there: a renamed or moved file, or a copy).
A kill can cut the last line short: that line is dropped (its case runs again). A case whose worker died every
time it was tried (`LOST`) is not taken as done: a resumed run tries it again.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from bench.report import _finite, _plain

LOST = "worker lost"  # the error of a case whose worker died every time it was tried
RECORD_FIELDS = ("image", "task", "method", "params")


def canonical(value: Any) -> str:
    """One text per value, whatever its origin (a fresh record or one read back from JSON)."""
    return json.dumps(_finite(value), sort_keys=True, default=_plain, allow_nan=False)


def key_of(digest: str | None, task: str, method: str, params: dict, setting: dict | None) -> tuple:
    return digest or "", task, method, canonical(params), canonical(setting or {})


def record_key(record: dict) -> tuple:
    return key_of(record.get("digest"), record["task"], record["method"], record["params"], record.get("setting"))


def dumps(record: dict) -> str:
    return json.dumps(_finite(record), allow_nan=False, default=_plain)


class Journal:
    """The run's JSON Lines file: the records of earlier runs (with `resume`) and an append-only writer."""

    def __init__(self, path: Path, task: str, *, resume: bool, note: Callable[[str], None] = lambda m: None):
        self.path, self.task = path, task
        self.previous: list[dict] = []
        self._file = None
        if path.is_dir():
            raise ValueError(f"--out {path}: is a directory; give a file name.")
        if not path.parent.is_dir():
            raise ValueError(f"--out {path}: the directory {path.parent} does not exist.")
        exists = path.is_file() and path.stat().st_size > 0
        if exists and not resume:
            raise ValueError(f"--out {path} already holds records of an earlier run; add --resume to continue it "
                             f"(the cases already there are skipped), or give another file.")
        if exists:
            self.previous = self._read(note)
        elif resume:
            note(f"{path} does not exist yet: nothing to resume, the run starts from the beginning.")

    def _read(self, note: Callable[[str], None]) -> list[dict]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"--resume: cannot read {self.path} ({getattr(exc, 'strerror', None) or exc}).") \
                from None
        lines = text.split("\n")
        records, cut = [], None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):  # the last line, without its newline: cut short by a kill
                    cut = line
                    continue
                raise ValueError(f"--resume: line {number} of {self.path} is not a JSON record; is it the "
                                 f"--out file of a bench run?") from None
            if not isinstance(record, dict) or not all(name in record for name in RECORD_FIELDS):
                raise ValueError(f"--resume: line {number} of {self.path} is not a bench record (it lacks "
                                 f"{', '.join(RECORD_FIELDS)}); is it the --out file of a bench run?")
            if record["task"] != self.task:
                raise ValueError(f"--resume: {self.path} holds records of the {record['task']!r} task, not "
                                 f"{self.task!r}; give --out a new file for this run (or run {record['task']}).")
            records.append(record)
        if cut is not None:
            note(f"the last line of {self.path} was cut short (the run was killed while writing it); it is "
                 f"dropped and its case runs again.")
            self.path.write_text(text[: len(text) - len(cut)], encoding="utf-8")
        elif text and not text.endswith("\n"):
            with self.path.open("a", encoding="utf-8") as file:
                file.write("\n")
        return records

    def done(self) -> dict[tuple, dict[str, dict]]:
        """The earlier records by case key, then by image name; those lost with their worker left out (they run
        again)."""
        found: dict[tuple, dict[str, dict]] = {}
        for record in self.previous:
            if not str(record.get("error", "")).startswith(LOST):
                found.setdefault(record_key(record), {})[record["image"]] = record
        return found

    def append(self, record: dict) -> None:
        if self._file is None:
            try:
                self._file = self.path.open("a", encoding="utf-8")
            except OSError as exc:
                raise ValueError(f"cannot write {self.path}: {exc.strerror or exc}.") from None
        self._file.write(dumps(record) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
