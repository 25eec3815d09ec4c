"""The bench at scale, here in one process on 64-px images with quick methods: folders, globs and unreadable
images; grids of settings and parameter sweeps; the JSON Lines journal and --resume; the CSV and the Pareto front;
and each bad input's message (empty folder, empty grid, a JSONL of another task, an unreachable scheduler)."""
import json
import socket
import time

import numpy as np
import pytest
from PIL import Image

from bench.cli import main
from bench.page import pareto, write_csv
from bench.store import Journal
from core.gallery import load_sample
from core.image import to_uint8
from core.registry import DENOISE

QUICK = ["--methods", "gaussian", "--repeat", "1", "--max-side", "64"]


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and ": error: " in lines[0] and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def png(path, crop=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(to_uint8(load_sample("camera")[crop:crop + 64, 100:164])).save(path)
    return path


@pytest.fixture
def photos(tmp_path):
    """photos/a.png, photos/sub/b.png, photos/broken.png (not an image) and photos/notes.txt."""
    folder = tmp_path / "photos"
    png(folder / "a.png", 0)
    png(folder / "sub" / "b.png", 200)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (folder / "notes.txt").write_text("not an image")
    return folder


def records_of(path) -> list[dict]:
    return json.loads(path.read_text())


def test_folders_recursive_globs_and_unreadable_images_are_listed_and_skipped(capsys, tmp_path, photos):
    out = tmp_path / "r.json"
    code, _, err = run_cli(capsys, "denoise", "--images", str(photos), *QUICK, "--json", str(out), "-q")
    assert code == 0, err
    assert "skipped 1 unreadable image(s)" in err and "broken.png" in err
    assert {r["image"] for r in records_of(out)} == {str(photos / "a.png")}
    code, _, err = run_cli(capsys, "denoise", "--images", str(photos), "--recursive", *QUICK, "--json", str(out), "-q")
    assert code == 0, err
    assert {r["image"] for r in records_of(out)} == {str(photos / "a.png"), str(photos / "sub" / "b.png")}
    code, _, err = run_cli(capsys, "denoise", "--images", str(photos / "**" / "*.png"), *QUICK, "--json", str(out),
                           "-q")
    assert code == 0, err
    assert len({r["image"] for r in records_of(out)}) == 2 and "broken.png" in err
    code, _, err = run_cli(capsys, "denoise", "--images", str(photos / "broken.png"), *QUICK)  # named: fatal
    usage_error(code, err, "broken.png")


def test_an_empty_folder_or_pattern_is_a_clear_message(capsys, tmp_path):
    (tmp_path / "empty" / "deeper").mkdir(parents=True)
    code, _, err = run_cli(capsys, "denoise", "--images", str(tmp_path / "empty"), *QUICK)
    usage_error(code, err, "holds no image files", "--recursive")
    code, _, err = run_cli(capsys, "denoise", "--images", str(tmp_path / "empty" / "*.png"), *QUICK)
    usage_error(code, err, "matches no image file")


def test_a_grid_of_settings_and_a_sweep_make_one_record_each(capsys, tmp_path):
    out = tmp_path / "grid.json"
    code, stdout, err = run_cli(capsys, "denoise", "--images", "sample:camera", "--max-side", "64", "--repeat", "1",
                                "--sigma", "10,30", "--methods", "median,gaussian", "--sweep", "median.size=3,5",
                                "--params", '{"gaussian": {"blur_sigma": [0.5, 1.5]}}', "--json", str(out), "-q")
    assert code == 0, err
    records = records_of(out)
    runs = [(r["setting"]["sigma"], r["method"], r["params"]) for r in records]
    assert runs == [(sigma, method, params) for sigma in (10.0, 30.0) for method, params in [
        ("degraded", {"noise": "gaussian", "sigma": sigma, "seed": 0}), ("median", {"size": 3}),
        ("median", {"size": 5}), ("gaussian", {"blur_sigma": 0.5}), ("gaussian", {"blur_sigma": 1.5})]]
    degraded = [r["psnr"] for r in records if r["method"] == "degraded"]
    assert degraded[0] > degraded[1] + 5  # σ = 10 is far less noisy than σ = 30
    assert "| sample:camera · sigma=10 | median size=3 |" in stdout
    assert "| median size=5 | sigma=30 | 1 |" in stdout  # the summary per method and setting


@pytest.mark.parametrize("option", [["--sigma", ","], ["--sweep", "median.size="],
                                    ["--params", '{"median": {"size": []}}']])
def test_a_grid_with_no_values_is_a_clear_message(capsys, option):
    code, _, err = run_cli(capsys, "denoise", "--images", "sample:camera", *QUICK[2:], "--methods", "median", *option)
    usage_error(code, err, "gives no values")


def test_journal_resume_skips_what_is_there_and_refuses_another_task(capsys, tmp_path):
    run = tmp_path / "run.jsonl"
    base = ["--images", "sample:camera", "--max-side", "64", "--repeat", "1", "--methods", "median,gaussian",
            "--out", str(run), "-q"]
    code, _, err = run_cli(capsys, "denoise", *base, "--sigma", "20")
    assert code == 0, err
    first = run.read_text().splitlines()
    assert len(first) == 3 and all(json.loads(line)["worker"] == "local" for line in first)
    code, _, err = run_cli(capsys, "denoise", *base, "--sigma", "20")  # no --resume: nothing overwritten
    usage_error(code, err, "--resume")
    with run.open("a") as file:
        file.write('{"image": "sample:camera", "task": "deno')  # what a kill can leave
    code, out, err = run_cli(capsys, "denoise", *base, "--sigma", "20,40", "--resume")
    assert code == 0, err
    assert "cut short" in err
    lines = run.read_text().splitlines()
    assert lines[:3] == first and len(lines) == 6  # σ = 20 kept as it was, σ = 40 added
    assert out.count("| sample:camera · sigma=") == 6  # the table has the earlier records too
    code, _, err = run_cli(capsys, "segment", "--images", "sample:synthetic_objects", "--max-side", "64", "--out",
                           str(run), "--resume")
    usage_error(code, err, "'denoise' task", "not 'segment'")
    assert run.read_text().splitlines() == lines


def test_resume_keeps_a_record_per_file_when_two_files_hold_the_same_pixels(capsys, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    pixels = to_uint8(load_sample("camera"))[::4, ::4]
    for name in ("a.png", "copy_of_a.png"):
        Image.fromarray(pixels).save(photos / name)
    Image.fromarray(np.ascontiguousarray(pixels.T)).save(photos / "b.png")
    run = tmp_path / "run.jsonl"
    base = ["denoise", "--images", str(photos), "--out", str(run), "-q", *QUICK]
    code, _, err = run_cli(capsys, *base)
    assert code == 0, err
    first = run.read_text().splitlines()
    names = sorted(json.loads(line)["image"] for line in first)
    assert len(first) == 6 and len(set(names)) == 3  # degraded + gaussian per file
    code, out, err = run_cli(capsys, *base, "--resume", "--json", str(tmp_path / "all.json"))
    assert code == 0, err
    assert run.read_text().splitlines() == first  # nothing recomputed, nothing added
    again = json.loads((tmp_path / "all.json").read_text())
    assert sorted(r["image"] for r in again) == names  # each file under its own name, once
    (photos / "b.png").rename(photos / "b_renamed.png")  # the same pixels under a new name: taken, not recomputed
    code, _, err = run_cli(capsys, *base, "--resume", "--json", str(tmp_path / "renamed.json"))
    assert code == 0, err
    lines = [json.loads(line) for line in run.read_text().splitlines()]
    assert len(lines) == 8 and {r["image"] for r in lines[6:]} == {str(photos / "b_renamed.png")}
    old = {r["method"]: r for r in lines[:6] if r["image"].endswith("b.png")}
    assert all(r["psnr"] == old[r["method"]]["psnr"] and r["seconds"] == old[r["method"]]["seconds"]
               for r in lines[6:])
    renamed = json.loads((tmp_path / "renamed.json").read_text())
    assert sorted({r["image"].rsplit("/", 1)[-1] for r in renamed}) == ["a.png", "b_renamed.png", "copy_of_a.png"]


def test_journal_reads_back_what_it_wrote(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path, "denoise", resume=False)
    record = {"image": "a", "task": "denoise", "method": "median", "params": {"size": np.int64(3)}, "psnr": np.inf,
              "seconds": 0.1, "setting": {"sigma": 25.0}, "digest": "d1"}
    journal.append(record)
    journal.append({**record, "method": "tv", "error": "worker lost: it was running when 3 workers died"})
    journal.close()
    again = Journal(path, "denoise", resume=True)
    assert [r["method"] for r in again.previous] == ["median", "tv"]
    assert list(again.done().values())[0]["a"]["psnr"] is None  # strict JSON: ∞ is null
    assert len(again.done()) == 1  # the case lost with its worker runs again
    path.write_text("not json\n{}\n")
    with pytest.raises(ValueError, match="line 1 .* not a JSON record"):
        Journal(path, "denoise", resume=True)


def test_csv_and_pareto_front(tmp_path):
    records = [{"image": "a", "task": "denoise", "method": m, "params": p, "psnr": psnr, "ssim": 0.5, "seconds": s,
                "setting": {"sigma": 25.0}, "worker": "local", "digest": "d"}
               for m, p, psnr, s in [("degraded", {}, 20.0, 0.0), ("median", {"size": 3}, 26.0, 0.01),
                                     ("nlm", {}, 29.0, 0.5), ("slow_bad", {}, 27.0, 2.0)]]
    path = tmp_path / "r.csv"
    write_csv(records, DENOISE, path)
    lines = path.read_text().splitlines()
    assert lines[0] == "image,task,setting.sigma,method,params,psnr,ssim,seconds,error,worker,digest"
    assert len(lines) == 5 and '"{""size"": 3}"' in lines[2]
    points = [(0.01, 26.0), (0.5, 29.0), (2.0, 27.0), (0.2, 25.0)]
    assert pareto(points) == [0, 1]
    assert pareto([(0.01, 5.0), (0.5, 1.0)], higher_is_better=False) == [0, 1]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_scheduler_is_a_clear_message_within_10_s(capsys):
    start = time.monotonic()
    code, _, err = run_cli(capsys, "denoise", "--images", "sample:camera", *QUICK,
                           "--scheduler", f"tcp://127.0.0.1:{_closed_port()}")
    usage_error(code, err, "cannot reach the Dask scheduler", "dask scheduler")
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        code, _, err = run_cli(capsys, "denoise", "--images", "sample:camera", *QUICK, "--scheduler", address)
    usage_error(code, err, "cannot connect to the Dask scheduler")
    assert time.monotonic() - start < 10


def test_examples_are_averaged_together_not_taken_for_a_grid(capsys):
    code, out, err = run_cli(capsys, "denoise", "--example", "2", "--methods", "gaussian", "--repeat", "1", "-q")
    assert code == 0, err
    assert "| example:0 | gaussian |" in out and "example=" not in out
    assert "| gaussian | 2 |" in out  # one mean over both examples


def test_resume_runs_a_case_again_when_only_its_reference_mask_changed(capsys, tmp_path):
    image = np.zeros((48, 48), np.uint8)
    image[12:36, 12:36] = 200
    Image.fromarray(image).save(tmp_path / "square.png")
    masks = {}
    for name, (top, bottom) in {"exact": (12, 36), "taller": (6, 40)}.items():
        mask = np.zeros((48, 48), np.uint8)
        mask[top:bottom, 12:36] = 255
        Image.fromarray(mask).save(tmp_path / f"{name}.png")
        masks[name] = str(tmp_path / f"{name}.png")
    run = tmp_path / "run.jsonl"
    base = ["threshold", "--images", str(tmp_path / "square.png"), "--methods", "otsu", "--repeat", "1",
            "--out", str(run), "-q"]
    code, _, err = run_cli(capsys, *base, "--reference", masks["exact"])
    assert code == 0, err
    code, _, err = run_cli(capsys, *base, "--reference", masks["exact"], "--resume")  # nothing new
    assert code == 0, err
    assert len(run.read_text().splitlines()) == 1
    code, _, err = run_cli(capsys, *base, "--reference", masks["taller"], "--resume")  # a new truth: run again
    assert code == 0, err
    records = [json.loads(line) for line in run.read_text().splitlines()]
    assert len(records) == 2 and records[0]["iou"] == pytest.approx(1.0)
    assert records[1]["iou"] == pytest.approx(24 * 24 / (34 * 24), abs=0.01)
