"""`python -m bench inpaint`: generated masks or a mask file, whole-image and in-mask scores, clear
errors for unusable masks. Runs the CLI in-process on tiny images with fast methods."""
import io
import json

import numpy as np
import pytest
from PIL import Image

from bench.cli import main

KEYS = {"image", "task", "method", "params", "psnr", "ssim", "psnr_mask", "ssim_mask", "seconds"}


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main(["inpaint", *argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def write_png(path, array: np.ndarray) -> str:
    Image.fromarray(array).save(path)
    return str(path)


def test_generated_mask_records_carry_whole_and_in_mask_scores(capsys, tmp_path):
    out_json = tmp_path / "inpaint.json"
    code, out, err = run_cli(capsys, "--images", "sample:astronaut", "--max-side", "96", "--mask", "strokes",
                             "--ratio", "0.1", "--seed", "3", "--methods", "mean_fill,telea,biharmonic",
                             "--repeat", "1", "--json", str(out_json), "-q")
    assert code == 0, err
    assert "Mask PSNR (dB)" in out and "mask=strokes ratio=0.1 seed=3" in out
    records = json.loads(out_json.read_text())
    assert [r["method"] for r in records] == ["degraded", "mean_fill", "telea", "biharmonic"]
    for record in records:
        assert KEYS <= set(record), record
    scores = {r["method"]: r for r in records}
    assert scores["degraded"]["params"] == {"mask": "strokes", "ratio": 0.1, "seed": 3}
    for key in ("telea", "biharmonic"):
        assert scores[key]["psnr_mask"] > scores["mean_fill"]["psnr_mask"] + 3
        # only the hole differs, so the in-mask PSNR is the whole-image PSNR minus a constant
        assert scores[key]["psnr_mask"] < scores[key]["psnr"]


@pytest.mark.parametrize("kind", ["text", "pixels"])
def test_other_generated_masks(capsys, kind):
    code, out, err = run_cli(capsys, "--images", "sample:camera", "--max-side", "64", "--mask", kind,
                             "--ratio", "0.2", "--methods", "navier_stokes", "--repeat", "1", "-q")
    assert code == 0, err
    assert f"mask={kind}" in out


def test_mask_file_white_is_missing_and_is_rescaled(capsys, tmp_path):
    array = np.zeros((256, 256), np.uint8)
    array[100:140, 60:200] = 255  # white = missing
    path = write_png(tmp_path / "mask.png", array)
    out_json = tmp_path / "records.json"
    code, out, err = run_cli(capsys, "--images", "sample:camera", "--max-side", "128", "--mask-file", path,
                             "--methods", "mean_fill,telea", "--repeat", "1", "--json", str(out_json), "-q")
    assert code == 0, err
    records = json.loads(out_json.read_text())
    assert records[0]["params"]["mask_file"] == path
    assert records[2]["psnr_mask"] > records[1]["psnr_mask"]


@pytest.mark.parametrize("array,message", [
    (np.tile(np.linspace(0, 255, 128).astype(np.uint8), (128, 1)), "not black and white"),
    (np.zeros((128, 128), np.uint8), "mask is empty"),
    (np.full((128, 128), 255, np.uint8), "covers the whole image"),
    (np.zeros((40, 128), np.uint8) + np.eye(40, 128, dtype=np.uint8) * 255, "shapes don't match"),
], ids=["non-binary", "empty", "everything", "wrong-shape"])
def test_unusable_mask_files_stop_the_run_with_a_clear_message(capsys, tmp_path, array, message):
    path = write_png(tmp_path / "bad.png", array)
    code, out, err = run_cli(capsys, "--images", "sample:camera", "--max-side", "64", "--mask-file", path,
                             "--methods", "telea")
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize("argv,message", [
    (("--ratio", "0"), "--ratio must be between 0 and 1"),
    (("--ratio", "1"), "--ratio must be between 0 and 1"),
    (("--mask-file", "/no/such/mask.png"), "cannot read it"),
])
def test_bad_mask_options(capsys, argv, message):
    code, _, err = run_cli(capsys, "--images", "sample:camera", "--max-side", "64", "--methods", "telea", *argv)
    assert code == 2 and message in err


def test_mask_and_mask_file_are_exclusive(capsys, tmp_path):
    path = write_png(tmp_path / "m.png", np.zeros((8, 8), np.uint8))
    code, _, err = run_cli(capsys, "--images", "sample:camera", "--mask", "text", "--mask-file", path)
    assert code == 2 and "not allowed with" in err


def test_list_shows_the_inpainting_methods_and_flags(capsys):
    code, out, _ = run_cli(capsys, "--list")
    assert code == 0
    assert "fsr_best: FSR best (xphoto) [slow]" in out
    assert "neural_painting: Neural painting (coordinate MLP) [slow] [tensorflow]" in out
