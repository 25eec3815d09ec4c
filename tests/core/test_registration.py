"""Registration methods against synthetic pairs whose true transform is known."""
import numpy as np
import pytest

from core.gallery import load_sample
from core.registration.synthetic import make_pair, misalign_channels, similarity
from core.registration.warp import field_from_matrix
from core.registry import ALIGN_CHANNELS, REGISTER, get_method, methods_for


@pytest.fixture(scope="module")
def fixed():
    return load_sample("astronaut").mean(axis=2)[::4, ::4].astype(np.float32)  # 128² gray


@pytest.fixture(scope="module")
def colour():
    return load_sample("chelsea")[::3, ::3][:96, :128].astype(np.float32)


def test_identity_error_is_the_size_of_the_transform(fixed):
    moving, truth = make_pair(fixed, kind="homography", strength=1.0)
    assert truth.error_px(None) > 5
    assert truth.error_px({"transform": truth.matrix}) < 1e-6
    _, zero = make_pair(fixed, kind="affine", strength=0.0)
    assert zero.error_px(None) < 1e-6


def test_field_of_a_matrix_warps_like_the_matrix(fixed):
    moving, truth = make_pair(fixed, kind="homography", strength=1.0, seed=3)
    from core.registration.warp import warp_field, warp_matrix

    by_field = warp_field(moving, field_from_matrix(truth.matrix, fixed.shape))
    by_matrix = warp_matrix(moving, truth.matrix, fixed.shape)
    assert np.abs(by_field - by_matrix)[10:-10, 10:-10].mean() < 1e-3


def test_inverted_field_undoes_the_deformation(fixed):
    moving, truth = make_pair(fixed, kind="deformable", strength=2.0, seed=4)
    from core.registration.warp import warp_field

    restored = warp_field(moving, truth.field, border="replicate")
    inner = (slice(8, -8), slice(8, -8))  # bilinear resampling twice blurs a little; borders are extrapolated
    assert similarity(fixed[inner], restored[inner])["mse"] < 0.25 * similarity(fixed[inner], moving[inner])["mse"]


@pytest.mark.parametrize("key", ["sift", "akaze", "ecc"])
@pytest.mark.parametrize("kind", ["homography", "affine"])
def test_parametric_methods_recover_a_known_transform(fixed, key, kind):
    moving, truth = make_pair(fixed, kind=kind, strength=1.0, seed=1)
    frozen = moving.copy()
    out = get_method(REGISTER, key).run(fixed, moving)
    assert out.image.shape == fixed.shape and out.image.dtype == np.float32
    assert out.extras["transform"].shape == (3, 3) and out.extras["field"].shape == fixed.shape + (2,)
    assert truth.error_px(out.extras) < (1.0 if key != "akaze" else 2.0)  # AKAZE finds ~40 keypoints at 128²
    assert np.array_equal(moving, frozen)


@pytest.mark.parametrize("key", ["demons", "tvl1", "ilk", "bspline"])
def test_deformable_methods_halve_the_mse_and_the_field_error(fixed, key):
    moving, truth = make_pair(fixed, kind="deformable", strength=2.0, seed=0)
    progress = []
    out = get_method(REGISTER, key).run(fixed, moving, progress=lambda f, m="": progress.append(f))
    before, after = similarity(fixed, moving)["mse"], similarity(fixed, out.image)["mse"]
    assert after < 0.5 * before, (before, after)
    assert truth.error_px(out.extras) < 0.6 * truth.error_px(None)
    if get_method(REGISTER, key).accepts_progress:
        assert progress and progress[-1] > 0.5


@pytest.mark.parametrize("key", [m.key for m in methods_for(REGISTER)])
def test_mismatched_channels_are_refused(fixed, key):
    with pytest.raises(ValueError, match="both must be gray or both colour"):
        get_method(REGISTER, key).run(fixed, np.repeat(fixed[..., None], 3, axis=2))


@pytest.mark.parametrize("key", ["ecc", "demons", "tvl1", "ilk", "bspline"])
def test_mismatched_sizes_are_refused_by_intensity_methods(fixed, key):
    with pytest.raises(ValueError, match="same size"):
        get_method(REGISTER, key).run(fixed, fixed[:100, :90])


def test_feature_matching_accepts_a_moving_image_of_another_size(fixed):
    big = load_sample("astronaut").mean(axis=2)[::2, ::2].astype(np.float32)  # 256², the same scene ×2
    out = get_method(REGISTER, "sift").run(fixed, big)
    scale = out.extras["transform"] / out.extras["transform"][2, 2]
    assert np.allclose(np.diag(scale)[:2], 0.5, atol=0.02)
    assert out.image.shape == fixed.shape


@pytest.mark.parametrize("key", ["sift", "orb", "ecc", "demons"])
def test_a_flat_moving_image_gets_a_clear_message(fixed, key):
    with pytest.raises(ValueError, match="flat|texture"):
        get_method(REGISTER, key).run(fixed, np.full_like(fixed, 0.4))


@pytest.mark.parametrize("key", [m.key for m in methods_for(ALIGN_CHANNELS)])
def test_channel_shifts_are_recovered(colour, key):
    shifted = misalign_channels(colour, green=(5.0, -3.0), blue=(-6.0, 4.0))
    out = get_method(ALIGN_CHANNELS, key).run(shifted)
    shifts = out.extras["shifts"]
    assert np.allclose(shifts["G"], (5, -3), atol=0.3) and np.allclose(shifts["B"], (-6, 4), atol=0.3)
    assert np.abs(out.image - colour)[10:-10, 10:-10].mean() < 0.01


def test_channel_alignment_needs_colour(fixed):
    with pytest.raises(ValueError, match="colour"):
        get_method(ALIGN_CHANNELS, "phase").run(fixed)


@pytest.mark.parametrize("color", [False, True], ids=["gray", "rgb"])
@pytest.mark.parametrize("key", [m.key for m in methods_for(REGISTER) if not m.needs_tensorflow])
def test_every_method_runs_with_defaults(key, color):
    """The generic every-method test for this task (its inputs are a pair, so it lives here); the
    TensorFlow method has its own test in test_voxelmorph.py."""
    fixed = load_sample("astronaut")[100:228, 160:288]
    fixed = fixed if color else fixed.mean(axis=2).astype(np.float32)
    moving, truth = make_pair(fixed, kind="homography", strength=0.3, seed=5)
    frozen = moving.copy()
    out = get_method(REGISTER, key).run(fixed, moving)
    assert out.image.shape == fixed.shape and out.image.dtype == np.float32
    assert np.all(np.isfinite(out.image)) and out.image.min() >= 0 and out.image.max() <= 1
    assert out.extras["field"].shape == fixed.shape[:2] + (2,)
    assert truth.error_px(out.extras) < truth.error_px(None)
    assert np.array_equal(frozen, moving)
