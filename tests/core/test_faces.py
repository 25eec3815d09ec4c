"""Faces: cascades find the astronaut's face, recognisers beat chance on held-out synthetic identities,
NMF error falls with k, Gabor features are computed in floating point, and bad zips get clear messages."""
import io
import zipfile

import numpy as np
import pytest

from core.boxes import iou
from core.face_sets import lfw_faces, load_identity_zip, make_zip, synthetic_identities
from core.faces import (feature_bank, gabor_bank, gabor_features, gabor_responses, mosaic, nmf_error_curve, nmf_faces,
                        split, uint8_clipping)
from core.gallery import load_sample
from core.registry import DETECT_FACES, RECOGNIZE_FACES, get_method, methods_for

ASTRONAUT_FACE = (176, 66, 96, 96)  # x, y, w, h of Eileen Collins' face in the 512² astronaut


@pytest.fixture(scope="module")
def astronaut():
    return load_sample("astronaut")


@pytest.fixture(scope="module")
def identities():
    return synthetic_identities(identities=6, per_identity=10, strength=1.0, seed=0)


@pytest.mark.parametrize("key", [m.key for m in methods_for(DETECT_FACES)])
def test_each_face_detector_finds_the_astronauts_face(key, astronaut):
    frozen = astronaut.copy()
    out = get_method(DETECT_FACES, key).run(astronaut)
    assert np.array_equal(frozen, astronaut)
    assert out.image.shape == astronaut.shape and out.image.dtype == np.float32
    assert out.extras["count"] >= 1
    assert iou(out.extras["boxes"], [ASTRONAUT_FACE]).max() > 0.6


def test_haar_finds_eyes_inside_the_face(astronaut):
    out = get_method(DETECT_FACES, "haar_face").run(astronaut)
    assert len(out.extras["boxes"]) == 1
    (fx, fy, fw, fh), eyes = out.extras["boxes"][0], out.extras["eyes"]
    assert len(eyes) >= 1
    for x, y, w, h in eyes:
        assert fx <= x and x + w <= fx + fw and fy <= y and y + h <= fy + fh * 0.7


def test_a_face_detector_on_a_tiny_image_says_why():
    with pytest.raises(ValueError, match="smaller than the minimum face size"):
        get_method(DETECT_FACES, "haar_face").run(np.zeros((20, 20), np.float32))


@pytest.mark.parametrize("key,margin", [("lbph", 0.5), ("gabor_rf", 0.25), ("gabor_knn", 0.25)])
def test_recognisers_beat_chance_on_held_out_synthetic_identities(key, margin, identities):
    faces, labels = identities.faces.copy(), identities.labels.copy()
    out = get_method(RECOGNIZE_FACES, key).run(identities.faces, identities.labels)
    assert np.array_equal(faces, identities.faces) and np.array_equal(labels, identities.labels)
    extras = out.extras
    assert extras["test"] + extras["train"] == len(labels)
    assert extras["accuracy"] >= extras["chance"] + margin, (extras["accuracy"], extras["chance"])
    assert out.image.shape == (6, 6) and np.allclose(out.image.sum(axis=1), 1)


def test_the_held_out_split_is_stratified_and_disjoint(identities):
    train, test = split(identities.labels, test_fraction=0.3, seed=0)
    assert not set(train) & set(test)
    assert set(identities.labels[test]) == set(identities.labels[train]) == set(range(6))
    with pytest.raises(ValueError, match="at least two identities"):
        split(np.zeros(10, int), test_fraction=0.3, seed=0)
    with pytest.raises(ValueError, match="at least two images"):
        split(np.array([0, 0, 0, 1]), test_fraction=0.3, seed=0)


def test_synthetic_identities_are_seeded_and_labelled_synthetic():
    a, b = synthetic_identities(identities=3, per_identity=4, seed=5), synthetic_identities(identities=3,
                                                                                            per_identity=4, seed=5)
    assert a.synthetic and all("synthetic" in n for n in a.names)
    assert np.array_equal(a.faces, b.faces) and a.faces.shape == (12, 48, 48)
    assert a.faces.dtype == np.float32 and 0 <= a.faces.min() and a.faces.max() <= 1


def test_nmf_error_falls_as_k_grows():
    curve = nmf_error_curve(lfw_faces(), (2, 10, 30), max_iter=100)
    errors = [curve[k] for k in (2, 10, 30)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 0.2
    result = nmf_faces(lfw_faces(), k=9, max_iter=50)
    assert result.components.shape == (9, 25, 25) and result.components.min() >= 0
    assert mosaic(result.components, columns=3).shape == (3 * 26 - 1, 3 * 26 - 1)
    with pytest.raises(ValueError, match="between 1 and"):
        nmf_faces(lfw_faces(), k=0)


def test_gabor_features_are_float_and_match_a_direct_correlation():
    from scipy.ndimage import correlate

    face = lfw_faces()[0]
    bank = feature_bank()
    assert len(bank.kernels) == 40
    responses = gabor_responses(face, bank)
    direct = np.abs(correlate(face.astype(np.float64), bank.kernels[7].astype(np.float64), mode="reflect"))
    assert np.allclose(responses[7], direct, atol=1e-5)
    feats = gabor_features(face[None], bank)
    assert feats.shape == (1, 80) and feats.dtype == np.float64 and np.all(np.isfinite(feats))
    assert gabor_features(face[None], bank, cells=3).shape == (1, 720)


def test_gabor_kernels_ignore_flat_areas_and_bright_images_do_not_saturate():
    bank = gabor_bank(ksize=31, sigma=4.0, wavelengths=(10.0,), orientations=8)
    assert bank.kernels.shape == (8, 31, 31)
    assert np.abs(gabor_responses(np.full((64, 64), 0.9, np.float32), bank)).max() < 1e-5
    stripes = (0.5 + 0.5 * np.cos(2 * np.pi * np.arange(64) / 10))[None, :].repeat(64, 0).astype(np.float32)
    strong = gabor_responses(stripes, bank)[0]  # θ = 0 matches vertical stripes
    assert strong.max() > 0.2 and gabor_responses(1 - stripes, bank)[0].max() > 0.2  # no clipping at 0
    with pytest.raises(ValueError, match="odd"):
        gabor_bank(ksize=4)
    # the book's uint8 filtering loses the negative half of these zero-mean responses
    assert 0.2 < uint8_clipping(stripes, bank) < 0.8
    assert uint8_clipping(np.full((32, 32), 0.5, np.float32), bank) == 0


def _zip_of(folders):
    return make_zip(folders)


def test_a_zip_of_labelled_folders_is_read(identities):
    folders = {name: [f for f, l in zip(identities.faces, identities.labels) if l == i][:4]
               for i, name in enumerate(["ann", "ben", "cat"])}
    face_set = load_identity_zip(_zip_of(folders))
    assert face_set.names == ["ann", "ben", "cat"] and not face_set.synthetic
    assert np.bincount(face_set.labels).tolist() == [4, 4, 4]
    out = get_method(RECOGNIZE_FACES, "lbph").run(face_set.faces, face_set.labels, params={"test_fraction": 0.25})
    assert 0 <= out.extras["accuracy"] <= 1


def test_bad_zips_get_clear_messages(identities):
    with pytest.raises(ValueError, match="not a zip"):
        load_identity_zip(b"this is not a zip file")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("people/readme.txt", "no images here")
    with pytest.raises(ValueError, match="No face images"):
        load_identity_zip(buffer.getvalue())
    one = {"solo": list(identities.faces[:5])}
    with pytest.raises(ValueError, match="at least two identities"):
        load_identity_zip(_zip_of(one))
    lonely = {"solo": list(identities.faces[:5]), "single": [identities.faces[20]]}
    with pytest.raises(ValueError, match="at least two identities"):
        load_identity_zip(_zip_of(lonely))


def test_a_zip_without_faces_is_refused_when_cropping_to_faces():
    rng = np.random.default_rng(0)
    noise = {name: [rng.random((64, 64)).astype(np.float32) for _ in range(3)] for name in ("a", "b")}
    with pytest.raises(ValueError, match="No faces were found"):
        load_identity_zip(_zip_of(noise), crop_faces=True)
    assert load_identity_zip(_zip_of(noise)).faces.shape == (6, 48, 48)  # without cropping they are used as is
