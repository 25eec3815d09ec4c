"""The batch benchmark: the CLI in-process on tiny inputs, the runner with hand-built (unregistered)
methods, the report, and the input handling. Methods that are not registered yet are skipped."""
import json
import math
import os

import numpy as np
import pytest
from PIL import Image

from bench import report, runner
from bench.cli import build_parser, main
from bench.inputs import expand
from core.gallery import load_sample
from core.image import to_uint8
from core.registry import DEBLUR, DENOISE, Method, Param, methods_for

RECORD_KEYS = {"image", "task", "method", "params", "psnr", "ssim", "seconds"}
FAST = {"denoise": ("median", "gaussian"), "deblur": ("wiener", "richardson_lucy")}


# -- helpers -------------------------------------------------------------------------------------

def fast_methods(task: str, count: int) -> list[Method]:
    """Up to `count` quick registered methods of `task` (well-known keys first); skip if none."""
    try:
        registered = methods_for(task)
    except ImportError as exc:
        pytest.skip(f"core.{task} cannot be imported yet ({exc})")
    preferred = [m for key in FAST[task] for m in registered if m.key == key]
    others = [m for m in registered if m not in preferred and not m.slow and not m.needs_tensorflow]
    chosen = (preferred + others)[:count]
    if not chosen:
        pytest.skip(f"no quick {task} method is registered yet")
    return chosen


def other_value(param: Param):
    """A valid value of `param` that differs from its default, or None."""
    if param.kind == "bool":
        return not param.default
    if param.kind == "choice":
        return next((c for c in param.choices if c != param.default), None)
    candidates = [param.default + 1, param.default - 1, param.default * 2, param.default / 2]
    if param.min is not None and param.max is not None:
        candidates = [(param.min + param.max) / 2, param.min, param.max] + candidates
    for value in candidates:
        value = param.coerce(value)
        if value != param.default:
            return value
    return None


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(out: str) -> list[list[str]]:
    """Data rows of the first markdown table in `out`, as cells."""
    rows, seen_table = [], False
    for line in out.splitlines():
        if line.startswith("| "):
            seen_table = True
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
        elif seen_table:
            break
    return rows[2:]  # drop the header and the alignment row


def assert_usage_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("python -m bench ") and ": error: " in lines[0]
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def tiny_png(tmp_path):
    path = tmp_path / "camera64.png"
    Image.fromarray(to_uint8(load_sample("camera")[200:264, 200:264])).save(path)
    return path


def _method(key: str, function, params=()) -> Method:
    """A method spec built by hand and never registered."""
    return Method(key=key, task=DENOISE, label=key.replace("_", " ").title(), function=function,
                  params=tuple(params))


def _smooth(image, *, passes=1):
    out = image.copy()
    for _ in range(passes):
        out[1:-1, 1:-1] = (out[:-2, 1:-1] + out[2:, 1:-1] + out[1:-1, :-2] + out[1:-1, 2:] + out[1:-1, 1:-1]) / 5
    return out


def _refuse(image):
    raise ValueError("This method needs a colour image.")


def _crash(image):
    return image.no_such_attribute  # a bug, not a refusal


# -- the runner, with hand-built methods (needs no registered method) ----------------------------

def test_runner_records_degraded_row_errors_and_crashes():
    args = build_parser().parse_args(["denoise", "--images", "unused", "--sigma", "20", "--seed", "3"])
    degradation = args.setup.degradation(args)
    clean = load_sample("camera")[100:164, 100:164]
    smooth = _method("smooth", _smooth, [Param("passes", "Passes", 1, min=1, max=5)])
    methods = [smooth, _method("refuse", _refuse), _method("crash", _crash)]
    logged = []
    result = runner.run([degradation.case("cam", clean)], methods, task=DENOISE, params={"smooth": {"passes": 2}},
                        repeats={"smooth": 2, "refuse": 1, "crash": 1}, log=logged.append)
    degraded, smoothed, refused, crashed = result.records
    assert [r["method"] for r in result.records] == ["degraded", "smooth", "refuse", "crash"]
    assert all(RECORD_KEYS <= set(r) for r in result.records)
    assert all(r["image"] == "cam" and r["task"] == "denoise" for r in result.records)
    assert degraded["params"] == {"noise": "gaussian", "sigma": 20.0, "seed": 3}
    assert degraded["mse"] > smoothed["mse"] > 0  # every metric of the task, from its own score
    assert degraded["seconds"] == 0.0 and "error" not in degraded
    assert smoothed["params"] == {"passes": 2} and smoothed["seconds"] > 0
    assert smoothed["psnr"] > degraded["psnr"] + 2, "smoothing Gaussian noise must raise PSNR"
    assert 0 < degraded["ssim"] < smoothed["ssim"] <= 1
    assert refused["error"] == "This method needs a colour image."
    assert refused["psnr"] is None and refused["ssim"] is None and refused["seconds"] is None
    assert crashed["error"].startswith("internal error: AttributeError")
    assert result.crashes == 1
    assert any("Traceback" in line for line in logged)


def test_runner_gives_each_method_its_own_copy_of_the_inputs():
    def vandal(image):
        image[...] = 0  # breaks the convention; must not affect the next method
        return image

    args = build_parser().parse_args(["denoise", "--images", "unused"])
    clean = load_sample("camera")[:64, :64]
    seen = []
    methods = [_method("vandal", vandal), _method("watch", lambda image: seen.append(image.max()) or image)]
    runner.run([args.setup.degradation(args).case("cam", clean)], methods, task=DENOISE, params={},
               repeats={"vandal": 2, "watch": 1})
    assert seen and seen[0] > 0


def test_report_table_and_json(tmp_path):
    records = [
        {"image": "a|b", "task": "denoise", "method": "degraded", "params": {}, "psnr": 20.0, "ssim": 0.5,
         "seconds": 0.0},
        {"image": "a|b", "task": "denoise", "method": "same", "params": {"k": 1}, "psnr": math.inf, "ssim": 1.0,
         "seconds": 0.01},
        {"image": "a|b", "task": "denoise", "method": "bad", "params": {}, "psnr": None, "ssim": None,
         "seconds": None, "error": "Needs colour."},
    ]
    metrics = [DENOISE.metric("psnr"), DENOISE.metric("ssim")]
    table = report.markdown(records, metrics)
    rows = [line for line in table.splitlines()]
    assert rows[0] == "| image | method | PSNR (dB) | SSIM | seconds | note |"
    assert "a\\|b" in rows[2] and "Needs colour." in rows[4] and "∞" in rows[3]
    path = tmp_path / "out.json"
    report.write_json(records, path)
    loaded = json.loads(path.read_text())  # strict JSON: the infinite PSNR became null
    assert loaded[1]["psnr"] is None and loaded[2]["error"] == "Needs colour."
    summary = report.summary(records, metrics)
    assert "| bad | 0 |" in summary


def test_deblur_degradation_passes_the_true_psf():
    args = build_parser().parse_args(["deblur", "--images", "unused", "--blur", "motion", "--size", "7",
                                      "--angle", "45", "--sigma", "2"])
    degradation = args.setup.degradation(args)
    clean = load_sample("camera")[:64, :64]
    case = degradation.case("cam", clean)
    blurred, psf = case.inputs["image"], case.inputs["psf"]
    assert blurred.shape == clean.shape and case.truth is clean
    assert case.inputs["known_sigma"] == 2.0  # the σ-aware reference (BM3D deblurring) gets the noise it was given
    assert psf.ndim == 2 and math.isclose(float(psf.sum()), 1.0, rel_tol=1e-5)
    assert case.settings == {"blur": "motion", "size": 7.0, "angle": 45.0, "sigma": 2.0, "seed": 0,
                             "boundary": "reflect"}
    assert not np.array_equal(blurred, clean)


def test_expand_directories_and_samples(tmp_path, tiny_png):
    (tmp_path / "b.JPG").write_bytes(tiny_png.read_bytes())
    (tmp_path / "notes.txt").write_text("not an image")
    assert expand([str(tmp_path), "sample:synthetic_shapes", str(tiny_png)]) == [
        str(tmp_path / "b.JPG"), str(tiny_png), "sample:synthetic shapes"]


# -- command-line mistakes (need no registered method) --------------------------------------------

def test_missing_path_exits_2(capsys, tmp_path):
    code, out, err = run_cli(capsys, "denoise", "--images", str(tmp_path / "nope.png"))
    assert_usage_error(code, err, "nope.png", "no such file")
    assert out == ""


def test_corrupt_image_exits_2_naming_the_file(capsys, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a PNG")
    code, _, err = run_cli(capsys, "denoise", "--images", str(bad))
    assert_usage_error(code, err, "broken.png", "could not be read as an image")


def test_unknown_sample_exits_2(capsys):
    code, _, err = run_cli(capsys, "denoise", "--images", "sample:nosuch")
    assert_usage_error(code, err, "nosuch", "camera")


@pytest.mark.parametrize("params,fragment", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('{"median": 5}', "JSON object"),
])
def test_bad_params_json_exits_2(capsys, tiny_png, params, fragment):
    code, _, err = run_cli(capsys, "denoise", "--images", str(tiny_png), "--params", params)
    assert_usage_error(code, err, fragment)


def test_bad_options_exit_2(capsys, tiny_png, tmp_path):
    for argv, fragment in [
        (["denoise", "--images", str(tiny_png), "--repeat", "0"], "--repeat"),
        (["denoise", "--images", str(tiny_png), "--threads", "0"], "--threads"),
        (["denoise", "--images", str(tiny_png), "--noise", "salt_pepper", "--amount", "1.5"], "--amount"),
        (["denoise", "--images", str(tiny_png), "--json", str(tmp_path / "no" / "out.json")], "does not exist"),
        (["deblur", "--images", str(tiny_png), "--size", "0"], "--size"),
        (["denoise"], "--images"),
    ]:
        code, _, err = run_cli(capsys, *argv)
        assert_usage_error(code, err, fragment)


# -- full runs over registered methods (skipped until the methods exist) ---------------------------

def test_denoise_run_table_and_json(capsys, tmp_path, tiny_png):
    methods = fast_methods("denoise", 2)
    keys = [m.key for m in methods]
    out_json = tmp_path / "records.json"
    code, out, err = run_cli(capsys, "denoise", "--images", str(tiny_png), "sample:camera", "--max-side", "64",
                             "--methods", ",".join(keys), "--repeat", "1", "--json", str(out_json), "-q")
    assert code == 0, err
    rows = table_rows(out)
    assert [(r[0], r[1]) for r in rows] == [(image, key) for image in (str(tiny_png), "sample:camera")
                                            for key in ["degraded", *keys]]
    records = json.loads(out_json.read_text())
    assert len(records) == len(rows)
    for record in records:
        assert RECORD_KEYS <= set(record)
        assert record["task"] == "denoise"
        if record["method"] == "degraded":
            assert record["seconds"] == 0 and record["params"]["noise"] == "gaussian"
        elif "error" not in record:
            method = next(m for m in methods if m.key == record["method"])
            assert record["params"] == method.defaults()
            assert record["seconds"] >= 0 and -1 <= record["ssim"] <= 1
    assert "mean PSNR (dB)" in out  # the per-method summary over the two images


def test_params_override_reaches_the_record(capsys, tmp_path, tiny_png):
    for method in fast_methods("denoise", 4):
        found = [(p, other_value(p)) for p in method.params if other_value(p) is not None]
        if found:
            break
    else:
        pytest.skip("no quick registered denoise method has a parameter to override")
    param, value = found[0]
    out_json = tmp_path / "records.json"
    code, _, err = run_cli(capsys, "denoise", "--images", str(tiny_png), "--methods", method.key, "--repeat",
                           "1", "--params", json.dumps({method.key: {param.name: value}}),
                           "--json", str(out_json), "-q")
    assert code == 0, err
    record = next(r for r in json.loads(out_json.read_text()) if r["method"] == method.key)
    assert record["params"][param.name] == value


def test_unknown_method_and_parameter_exit_2(capsys, tiny_png):
    method = fast_methods("denoise", 1)[0]
    code, _, err = run_cli(capsys, "denoise", "--images", str(tiny_png), "--methods", "no_such_method")
    assert_usage_error(code, err, "no_such_method", method.key)
    code, _, err = run_cli(capsys, "denoise", "--images", str(tiny_png), "--methods", method.key,
                           "--params", json.dumps({method.key: {"no_such_param": 1}}))
    assert_usage_error(code, err, "no_such_param")


def test_deblur_run(capsys, tiny_png):
    method = fast_methods("deblur", 1)[0]
    code, out, err = run_cli(capsys, "deblur", "--images", str(tiny_png), "--blur", "disk", "--size", "2",
                             "--methods", method.key, "--repeat", "1", "-q")
    assert code == 0, err
    assert [r[1] for r in table_rows(out)] == ["degraded", method.key]


def test_list_methods(capsys):
    methods = fast_methods("denoise", 1)
    code, out, _ = run_cli(capsys, "denoise", "--list")
    assert code == 0 and out.startswith(f"{methods_for(DENOISE)[0].key}: ")
    assert all(f"{m.key}: " in out for m in methods)


# -- the memory probe needs a browser and the app: only its plumbing is tested --------------------

def test_memory_probe_imports_and_reads_rss(tmp_path):
    from bench import memory_probe

    assert memory_probe.rss_mb(os.getpid()) > 10
    table = memory_probe.table([{"page": "/", "rss": 123.45, "seconds": 2.0, "exceptions": 0, "status": "ok"}])
    assert "| / | 123.5 | 2.0 | 0 | ok |" in table
    assert memory_probe.main(["--app", str(tmp_path / "app.py")]) == 2


def test_every_task_is_a_subcommand_and_the_image_tasks_have_setups():
    from bench.setups import SETUPS
    from core.registry import TASKS

    assert SETUPS["denoise"].task is DENOISE and SETUPS["deblur"].task is DEBLUR
    parser = build_parser()
    for name in TASKS:
        args = parser.parse_args([name, "--example", "2"])
        assert args.task_spec is TASKS[name] and args.example == 2


def _quick(task: str) -> str:
    """The first registered method of a task that is neither slow nor needs TensorFlow (or, for the tasks of
    networks, the first one that is not slow)."""
    quick = [m for m in methods_for(task) if not m.slow]
    return next((m.key for m in quick if not m.needs_tensorflow), quick[0].key)


TASK_NAMES = ["denoise", "deblur", "inpaint", "diffuse", "sketch", "segment", "background", "threshold", "cluster",
              "superpixels", "components", "skin", "background_subtraction", "outliers", "stitch", "detect_faces",
              "recognize_faces", "detect_people", "keypoints", "register", "align_channels", "classify",
              "classify_imagenet", "transfer", "detect", "verify_faces", "decode_codes"]


@pytest.mark.parametrize("task", TASK_NAMES)
def test_every_task_runs_on_its_seeded_examples(task, capsys, tmp_path):
    from core.registry import TASKS

    assert set(TASK_NAMES) == set(TASKS)
    path = tmp_path / "out.json"
    code, out, err = run_cli(capsys, task, "--example", "2", "--methods", _quick(task), "--repeat", "1",
                             "--json", str(path), "-q")
    assert code == 0, err
    records = json.loads(path.read_text())
    spec = TASKS[task]
    ran = [r for r in records if r["method"] != "degraded"]
    assert [r["image"] for r in ran] == ["example:0", "example:1"]
    assert all("error" not in r for r in ran), ran
    truth = spec.example(0).truth
    for record in ran:  # every metric of the task comes out of its score, as in the app
        assert {m.name for m in spec.metrics_for(truth)} <= set(record), record
    assert ("degraded" in {r["method"] for r in records}) == (spec.baseline is not None)
    assert "mean seconds" in out  # two examples: the per-method summary


def test_a_task_without_image_setup_asks_for_examples(capsys):
    code, _, err = run_cli(capsys, "skin")
    assert_usage_error(code, err, "--example N")
    code, _, err = run_cli(capsys, "skin", "--example", "0")
    assert_usage_error(code, err, "--example must be between 1")


def test_the_bench_modules_import_in_any_order():
    import importlib
    import subprocess
    import sys

    for module in ("bench.setup_restoration", "bench.setup_segment", "bench.setup_features", "bench.cli"):
        done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
        assert done.returncode == 0, done.stderr[-800:]
    assert importlib.import_module("bench.setups").SETUPS
