"""`python -m bench register`: records carry error_px and seconds; the degraded row is the identity."""
import json

from tests.bench.test_bench import run_cli


def test_homography_records_and_the_identity_row(capsys, tmp_path):
    path = tmp_path / "out.json"
    code, out, err = run_cli(capsys, "register", "--images", "sample:astronaut", "--max-side", "128",
                             "--transform", "homography", "--strength", "1", "--seed", "1",
                             "--methods", "sift,ecc", "--repeat", "1", "--json", str(path), "-q")
    assert code == 0, err
    records = json.loads(path.read_text())
    by_method = {r["method"]: r for r in records}
    assert set(by_method) == {"degraded", "sift", "ecc"}
    for record in records:
        assert {"error_px", "mse", "seconds", "image", "task", "params"} <= set(record)
        assert record["task"] == "register"
    assert by_method["degraded"]["params"] == {"transform": "homography", "strength": 1.0, "seed": 1}
    assert by_method["degraded"]["error_px"] > 5
    assert by_method["sift"]["error_px"] < 1.0 and by_method["ecc"]["error_px"] < 1.0
    assert by_method["sift"]["mse"] < by_method["degraded"]["mse"]
    assert "error (px)" in out


def test_deformable_scores_the_field_error(capsys, tmp_path):
    path = tmp_path / "out.json"
    code, _, err = run_cli(capsys, "register", "--images", "sample:astronaut", "--max-side", "128",
                           "--transform", "deformable", "--strength", "2", "--methods", "ilk",
                           "--repeat", "1", "--json", str(path), "-q")
    assert code == 0, err
    records = {r["method"]: r for r in json.loads(path.read_text())}
    assert records["ilk"]["error_px"] < 0.6 * records["degraded"]["error_px"]
    assert records["ilk"]["mse"] < 0.5 * records["degraded"]["mse"]


def test_a_negative_strength_is_a_usage_error(capsys):
    code, _, err = run_cli(capsys, "register", "--images", "sample:camera", "--strength", "-1")
    assert code == 2 and "--strength" in err and "Traceback" not in err


def test_a_method_that_fails_is_recorded_not_fatal(capsys, tmp_path):
    path = tmp_path / "out.json"
    code, _, err = run_cli(capsys, "register", "--images", "sample:synthetic_checkerboard", "--max-side", "64",
                           "--transform", "homography", "--methods", "orb", "--params",
                           '{"orb": {"nfeatures": 100, "ratio": 0.5}}', "--repeat", "1", "--json", str(path), "-q")
    assert code == 0, err
    orb = next(r for r in json.loads(path.read_text()) if r["method"] == "orb")
    assert orb["error_px"] is None and orb["error"] and orb["seconds"] is None
