"""`python -m bench segment`: reference masks, scribbles, rectangles and seeds from files or made from
the reference, IoU/Dice records, and clear messages for missing or bad inputs."""
import json

import numpy as np
import pytest
from PIL import Image

from bench.cli import main
from core.image import to_uint8
from core.segmentation.synthetic import objects_scene, scribbles_from_mask

FAST = "watershed_markers,grabcut,random_walker,fast_marching"


@pytest.fixture()
def files(tmp_path):
    image, mask = objects_scene(96)
    paths = {"image": tmp_path / "scene.png", "mask": tmp_path / "mask.png", "scribbles": tmp_path / "labels.png",
             "one_label": tmp_path / "one.png"}
    Image.fromarray(to_uint8(image)).save(paths["image"])
    Image.fromarray((mask * 255).astype(np.uint8)).save(paths["mask"])
    scribbles = scribbles_from_mask(mask).astype(np.uint8)
    Image.fromarray(scribbles).save(paths["scribbles"])
    Image.fromarray(np.where(scribbles == 2, 2, 0).astype(np.uint8)).save(paths["one_label"])
    return {k: str(v) for k, v in paths.items()}


def _run(args, capsys):
    code = main(["segment", "-q", "--repeat", "1", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sample_runs_with_no_files_and_writes_iou_records(tmp_path, capsys):
    out = tmp_path / "seg.json"
    code, stdout, _ = _run(["--images", "sample:synthetic_objects", "--max-side", "128", "--methods", FAST,
                            "--json", str(out)], capsys)
    assert code == 0, stdout
    records = json.loads(out.read_text())
    assert [r["method"] for r in records] == FAST.split(",")
    for record in records:
        assert {"iou", "dice", "seconds"} <= set(record) and "error" not in record, record
        assert record["iou"] >= 0.85, record


def test_files_with_scribbles_and_rect_and_a_skip_line_for_missing_seeds(files, tmp_path, capsys):
    out = tmp_path / "seg.json"
    code, stdout, stderr = main(["segment", "--repeat", "1", "--images", files["image"], "--reference",
                                 files["mask"], "--scribbles", files["scribbles"], "--rect", "8,20,80,70",
                                 "--methods", FAST, "--json", str(out)]), *capsys.readouterr()
    assert code == 0
    assert "skip" in stderr and "fast_marching" in stderr and "seed points" in stderr
    records = {r["method"]: r for r in json.loads(out.read_text())}
    assert records["fast_marching"]["error"].startswith("skipped:")
    assert records["random_walker"]["iou"] >= 0.9 and records["watershed_markers"]["iou"] >= 0.9


def test_single_label_scribbles_and_bad_rectangles_are_clear_messages(files, tmp_path, capsys):
    out = tmp_path / "seg.json"
    code, _, _ = _run(["--images", files["image"], "--reference", files["mask"], "--scribbles",
                       files["one_label"], "--rect", "0,0,96,96", "--methods", "random_walker,grabcut",
                       "--json", str(out)], capsys)
    assert code == 0  # refusals are records, not crashes
    records = {r["method"]: r for r in json.loads(out.read_text())}
    assert "at least two labels" in records["random_walker"]["error"]
    assert "whole image" in records["grabcut"]["error"]
    code, _, _ = _run(["--images", files["image"], "--reference", files["mask"], "--rect", "10,10,0,0",
                       "--seeds", "500,5", "--methods", "grabcut,fast_marching", "--json", str(out)], capsys)
    records = {r["method"]: r for r in json.loads(out.read_text())}
    assert "empty" in records["grabcut"]["error"] and "outside" in records["fast_marching"]["error"]


@pytest.mark.parametrize("extra,message", [
    ([], "no reference mask"),
    (["--reference", "missing.png"], "cannot read"),
    (["--reference", "MASK", "--rect", "1,2,3"], "four numbers"),
    (["--reference", "MASK", "--seeds", "1;2"], "each seed is x,y"),
    (["--reference", "MASK", "MASK"], "one per image"),
])
def test_command_mistakes_stop_with_exit_2(files, capsys, extra, message):
    extra = [files["mask"] if e == "MASK" else e for e in extra]
    with pytest.raises(SystemExit) as stop:
        main(["segment", "--images", files["image"], *extra])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
