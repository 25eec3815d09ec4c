"""`python -m bench.cpu_times TASK ...`: wall and CPU seconds of every method at its defaults on 512² RGB
(synthetic objects and astronaut), median of 3 runs after a warm-up. CPU time (`time.process_time`) is the
fair figure on a shared, busy host, where wall time is inflated by other jobs. Methods that need reference
patches get synthetic ones. Only for tasks whose methods take an image (plus optional patches)."""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from core.clustering import patches_from_mask
from core.gallery import load_sample
from core.registry import TASKS, methods_for
from core.segmentation.synthetic import objects_scene


def _images(size: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    scene, mask = objects_scene(size)
    astronaut = load_sample("astronaut")
    patches = np.zeros(astronaut.shape[:2], np.int32)
    patches[30:80, 30:80] = 1  # background
    patches[300:350, 150:200] = 2  # suit
    return {"synthetic objects": (scene, patches_from_mask(mask)), "astronaut": (astronaut, patches)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_times", description=__doc__.split("\n")[0])
    parser.add_argument("tasks", nargs="+", choices=sorted(TASKS))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    images = _images(512)
    print("| task | method | " + " | ".join(f"{n} wall s | {n} CPU s" for n in images) + " |")
    print("|---|---|" + "---:|---:|" * len(images))
    for task in args.tasks:
        for method in methods_for(task):
            cells = []
            for image, patches in images.values():
                inputs = (image, patches) if method.needs else (image,)
                method.run(*inputs)  # warm-up: imports and caches
                walls, cpus = [], []
                for _ in range(args.repeat):
                    wall, cpu = time.perf_counter(), time.process_time()
                    method.run(*inputs)
                    walls.append(time.perf_counter() - wall)
                    cpus.append(time.process_time() - cpu)
                cells += [f"{statistics.median(walls):.3f}", f"{statistics.median(cpus):.3f}"]
            name = method.key + (" (slow)" if method.slow else "")
            print(f"| {task} | {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
