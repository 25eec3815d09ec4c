"""The small VoxelMorph-style network: its warp layer is exact, and a short training run registers."""
import numpy as np
import pytest

pytest.importorskip("tensorflow")

from core.registration import voxelmorph  # noqa: E402


def test_the_spatial_transformer_matches_the_numpy_warp():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    images = voxelmorph.digit_images()[:4]
    field = rng.uniform(-2, 2, size=(4, 32, 32, 2)).astype(np.float32)
    from scipy.ndimage import map_coordinates

    warped = voxelmorph._warp(tf.constant(images[..., None]), tf.constant(field)).numpy()[..., 0]
    ys, xs = np.mgrid[0:32, 0:32]
    expected = np.stack([map_coordinates(im, [ys + f[..., 1], xs + f[..., 0]], order=1, mode="constant")
                         for im, f in zip(images, field)])
    assert np.abs(warped - expected)[:, 3:-3, 3:-3].max() < 1e-5


def test_short_training_lowers_the_mse_on_held_out_pairs():
    trained = voxelmorph.train(steps=60, batch=8, pool=64, seed=0)
    assert len(trained.losses) == 60 and trained.losses[-1] < trained.losses[0]
    result = voxelmorph.evaluate(trained, count=16)
    assert result.flow.shape == (16, 32, 32, 2)
    assert result.mse_after < 0.7 * result.mse_before


def test_an_unknown_digit_is_refused():
    with pytest.raises(ValueError, match="no digit"):
        voxelmorph.digit_images(digit=11)


def test_fitting_the_network_to_one_pair_registers_it():
    from core.gallery import load_sample
    from core.registration.synthetic import make_pair, similarity
    from core.registry import REGISTER, get_method

    fixed = load_sample("astronaut").mean(axis=2)[::4, ::4].astype(np.float32)
    moving, truth = make_pair(fixed, kind="deformable", strength=2.0, seed=0)
    calls = []
    method = get_method(REGISTER, "voxelmorph")
    assert method.needs_tensorflow and method.slow
    out = method.run(fixed, moving, params={"steps": 60}, progress=lambda f, m="": calls.append(f))
    assert calls[-1] == 1.0
    assert similarity(fixed, out.image)["mse"] < 0.5 * similarity(fixed, moving)["mse"]
    assert truth.error_px(out.extras) < 0.8 * truth.error_px(None)
