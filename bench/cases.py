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

from core.image import digest
from core.registry import Task


@dataclass(frozen=True)
class Case:
    """One image (or example), ready to run: every input its methods may take, by name, and the truth."""

    name: str  # as shown in the table and the records
    inputs: dict[str, Any]
    truth: Any = None
    settings: dict = field(default_factory=dict)  # how the inputs were made (the "degraded" row's params)
    digest: str = ""  # of the source image (or the example's inputs): how a resumed run recognises the case


@dataclass(frozen=True)
class Degradation:
    """How a clean image becomes a case: the validated settings and the maker (name, clean image) -> Case."""

    settings: dict
    make: Callable[[str, np.ndarray], Case]
    check: Callable[[str, np.ndarray], None] | None = None  # run on every image before anything starts
    # a digest of what each image comes with besides its pixels (a reference mask, scribbles): part of the key by
    # which a resumed run recognises a case, so changing only a reference runs the case again
    given_digest: Callable[[str], str] | None = None

    def case_digest(self, name: str, image_digest: str) -> str:
        return image_digest if self.given_digest is None else f"{image_digest}+{self.given_digest(name)}"

    def case(self, name: str, clean: np.ndarray) -> Case:
        return self.make(name, clean)


@dataclass(frozen=True)
class ImageSetup:
    """A task that also runs on image files: its own options and how they become a `Degradation`."""

    task: Task
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    make_degradation: Callable[[argparse.Namespace], Degradation]  # one setting; ValueError on bad settings
    grid: tuple[str, ...] = ()  # options (argparse dests) that take a comma-separated list: one case per value
    # a task whose cases come from its own options (a data set) instead of image files: (args) -> cases
    cases: Callable[[argparse.Namespace], list[Case]] | None = None

    def settings_grid(self, args: argparse.Namespace) -> list[argparse.Namespace]:
        """One namespace per combination of the grid options' values (each a single value), in order."""
        lists = {}
        for dest in self.grid:
            value = getattr(args, dest, None)
            values = value if isinstance(value, tuple) else (value,)
            if not values:
                raise ValueError(f"--{dest.replace('_', '-')} gives no values; give one or more, separated by "
                                 f"commas (e.g. --{dest.replace('_', '-')} 15,25,50).")
            lists[dest] = list(dict.fromkeys(values))
        combos = [{}]
        for dest, values in lists.items():
            combos = [{**combo, dest: value} for combo in combos for value in values]
        return [argparse.Namespace(**{**vars(args), **combo}) for combo in combos]

    def degradations(self, args: argparse.Namespace) -> list[Degradation]:
        """A `Degradation` per setting of the grid; settings that come out the same (a grid over an option the
        chosen model ignores) run once."""
        made: dict[str, Degradation] = {}
        for one in self.settings_grid(args):
            degradation = self.make_degradation(one)
            made.setdefault(repr(sorted(degradation.settings.items())), degradation)
        return list(made.values())

    def degradation(self, args: argparse.Namespace) -> Degradation:
        """The one `Degradation` of a command without a grid (ValueError when it names several values)."""
        made = self.degradations(args)
        if len(made) != 1:
            raise ValueError(f"the options give {len(made)} settings; this needs one.")
        return made[0]


def listable(kind: Callable[[str], Any]) -> Callable[[str], tuple]:
    """An argparse type for a grid option: "15,25,50" -> (15.0, 25.0, 50.0); "" -> () (refused later, with a
    sentence). The option's default stays a single value."""
    def parse(text: str) -> tuple:
        try:
            return tuple(kind(part) for part in (p.strip() for p in text.split(",")) if part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def example_cases(task: Task, count: int, *, first_seed: int = 0) -> list[Case]:
    """`count` seeded synthetic examples of the task (`Task.example`), as cases named "example:<seed>"."""
    cases = []
    for seed in range(first_seed, first_seed + count):
        example = task.example(seed)
        inputs = dict(example.inputs)
        cases.append(Case(f"example:{seed}", inputs, example.truth, {"example": seed}, inputs_digest(inputs)))
    return cases


def inputs_digest(inputs: dict[str, Any]) -> str:
    """A content digest of a case's inputs: every array (lists of arrays too) and plain value, by name. Lazy
    inputs (a model made on first use) count by name only."""
    import xxhash

    hasher = xxhash.xxh3_128()
    for name in sorted(inputs):
        value = inputs[name]
        arrays = value if isinstance(value, (list, tuple)) and all(isinstance(v, np.ndarray) for v in value) \
            else [value]
        hasher.update(name.encode())
        for item in arrays:
            if isinstance(item, np.ndarray):
                hasher.update(digest(item).encode())
            elif item is None or isinstance(item, (bool, int, float, str, tuple, list)):
                hasher.update(repr(item).encode())
    return hasher.hexdigest()
