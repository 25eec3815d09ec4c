"""What the benchmark runs: cases (one image or example, its named inputs and its truth), and how an image task
turns a clean image into a case with its own command-line options.

Every task runs on its own seeded synthetic examples (`example_cases`, `core.tasks`); a task with image inputs
also has an `ImageSetup`, whose `Degradation` makes a case from each image file. Ground truth travels in the
case, never in module globals, and every result is scored by the task's own `score(truth, output, inputs)`.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from core.registry import Task


@dataclass(frozen=True)
class Case:
    """One image (or example), ready to run: every input its methods may take, by name, and the truth."""

    name: str  # as shown in the table and the records
    inputs: dict[str, Any]
    truth: Any = None
    settings: dict = field(default_factory=dict)  # how the inputs were made (the "degraded" row's params)


@dataclass(frozen=True)
class Degradation:
    """How a clean image becomes a case: the validated settings and the maker (name, clean image) -> Case."""

    settings: dict
    make: Callable[[str, np.ndarray], Case]
    check: Callable[[str, np.ndarray], None] | None = None  # run on every image before anything starts

    def case(self, name: str, clean: np.ndarray) -> Case:
        return self.make(name, clean)


@dataclass(frozen=True)
class ImageSetup:
    """A task that also runs on image files: its own options and how they become a `Degradation`."""

    task: Task
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    degradation: Callable[[argparse.Namespace], Degradation]  # raises ValueError on bad settings


def example_cases(task: Task, count: int, *, first_seed: int = 0) -> list[Case]:
    """`count` seeded synthetic examples of the task (`Task.example`), as cases named "example:<seed>"."""
    cases = []
    for seed in range(first_seed, first_seed + count):
        example = task.example(seed)
        cases.append(Case(f"example:{seed}", dict(example.inputs), example.truth, {"example": seed}))
    return cases
