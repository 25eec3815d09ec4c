"""Speed and quality at defaults for the Regions, skin & video page's methods.

    python -m bench.regions_skin_video [--size 512] [--repeat 3] [--json OUT]

- components: each labelling library on the binarised `camera` sample (count must match);
- skin: each classifier trained on the astronaut's example strokes (held-out accuracy), and on the
  synthetic two-colour scene with its true mask (IoU);
- background subtraction: each model on the default synthetic clip (60 frames, 160×120): mean IoU
  after a 20-frame warm-up, plus the H.264 encoding of the playback;
- outliers: each model on the digits with 20 injected corruptions (ROC AUC).
Times are medians of `--repeat` runs after a warm-up run (imports excluded).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np


def _timed(function, repeat: int):
    result = function()  # warm-up: imports and first-call costs
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def run(size: int = 512, repeat: int = 3) -> list[dict]:
    from core import outliers, regions, skin, video_bg
    from core.gallery import load_sample
    from core.image import prepare
    from core.registry import methods_for
    from core.segmentation.metrics import iou

    rows = []
    camera = prepare(load_sample("camera"), gray=True, max_side=size)
    mask, _ = regions.binarize(camera)
    for method in methods_for("components"):
        out, seconds = _timed(lambda: method.run(mask), repeat)
        rows.append(dict(task="components", method=method.key, size=f"{size}²", seconds=seconds,
                         quality=int(out.image.max()), metric="regions"))
    astronaut = prepare(load_sample("astronaut"), gray=False, max_side=size)
    strokes = skin.example_scribbles(astronaut.shape)
    scene, truth = skin.two_colour_scene(size, seed=1)
    scene_strokes = np.zeros(truth.shape, np.int32)
    scene_strokes[3::max(6, size // 16)] = np.where(truth[3::max(6, size // 16)], skin.SKIN_LABEL, skin.NON_SKIN)
    for method in methods_for("skin"):
        out, seconds = _timed(lambda: method.run(astronaut, strokes), repeat)
        rows.append(dict(task="skin", method=method.key, size=f"{size}² astronaut", seconds=seconds,
                         quality=out.extras["accuracy"], metric="held-out accuracy"))
        out = method.run(scene, scene_strokes)
        rows.append(dict(task="skin", method=method.key, size=f"{size}² two-colour scene", seconds=None,
                         quality=iou(truth, out.image > 0.5), metric="IoU vs true skin"))
    frames, masks = video_bg.synthetic_video(frames=60, height=120, width=160)
    for method in methods_for("background_subtraction"):
        out, seconds = _timed(lambda: method.run(frames), repeat)
        rows.append(dict(task="background_subtraction", method=method.key, size="60×160×120", seconds=seconds,
                         quality=float(video_bg.iou_per_frame(out.image, masks)[20:].mean()),
                         metric="mean IoU after 20 frames"))
    _, seconds = _timed(lambda: video_bg.encode_mp4(video_bg.side_by_side(frames, out.image, truth=masks)), repeat)
    rows.append(dict(task="background_subtraction", method="encode_mp4", size="60×324×120", seconds=seconds,
                     quality=None, metric=""))
    data = outliers.load_digit_samples(n_corrupted=20)
    for method in methods_for("outliers"):
        out, seconds = _timed(lambda: method.run(data.samples), max(1, repeat // 2))
        rows.append(dict(task="outliers", method=method.key, size="1817×64", seconds=seconds,
                         quality=outliers.detection_scores(out.image, data.injected)["roc_auc"], metric="ROC AUC"))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="image working size (default: 512)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per method (default: 3)")
    parser.add_argument("--json", help="write the rows to this JSON file")
    args = parser.parse_args(argv)
    rows = run(args.size, args.repeat)
    for row in rows:
        seconds = "" if row["seconds"] is None else f"{row['seconds']:.3f} s"
        quality = "" if row["quality"] is None else f"{row['metric']} {row['quality']:.3f}"
        print(f"{row['task']:24s} {row['method']:16s} {row['size']:22s} {seconds:>9s}  {quality}")
    if args.json:
        with open(args.json, "w") as file:
            json.dump(rows, file, indent=1)


if __name__ == "__main__":
    main()
