"""A seed builds one network whatever other threads do with Python's global random generator (Keras draws the
seeds of unseeded layers from it: a Dask worker's event loop and the Streamlit server draw from it too)."""
import random
import threading

import numpy as np
import pytest

keras = pytest.importorskip("keras")


def _weights_while_another_thread_draws(build) -> list[np.ndarray]:
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        keras.utils.set_random_seed(3)
        return [w.copy() for w in build().get_weights()]
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("name", ["red_net", "cnn", "unet", "tiny"])
def test_seeded_networks_are_the_same_while_another_thread_draws_random_numbers(name):
    from core.classify.cnn import build_cnn
    from core.learned.denoisers import tiny_model_bytes
    from core.learned.loading import load_keras_model
    from core.learned.models import RedNetConfig, build_red_net
    from core.registration.voxelmorph import build_unet

    build = {"red_net": lambda: build_red_net(RedNetConfig(depth=4, filters=8), seed=3),
             "cnn": lambda: build_cnn((28, 28), 10, "small", seed=3),
             "unet": lambda: build_unet(features=4, size=32, seed=3),
             "tiny": lambda: load_keras_model(tiny_model_bytes(seed=3), "tiny.keras")[0]}[name]
    keras.utils.set_random_seed(3)
    alone = [w.copy() for w in build().get_weights()]
    disturbed = _weights_while_another_thread_draws(build)
    assert len(alone) == len(disturbed) and all(np.array_equal(a, b) for a, b in zip(alone, disturbed))
    assert any(np.any(w != 0) for w in alone)  # random weights, not all zeros


def test_layer_seeds_differ_between_layers_and_repeat_for_a_seed():
    from core.keras_seeds import LayerSeeds

    first, again, other = LayerSeeds(0), LayerSeeds(0), LayerSeeds(1)
    drawn = [first.next() for _ in range(5)]
    assert len(set(drawn)) == 5 and drawn == [again.next() for _ in range(5)]
    assert not set(drawn) & {other.next() for _ in range(5)}


def test_untrained_keras_applications_have_the_same_weights_in_every_build():
    from core.pretrained.applications import build

    alone = [np.asarray(w).copy() for w in build("mobilenet_v2", None).weights]
    disturbed = _weights_while_another_thread_draws(lambda: build("mobilenet_v2", None))
    assert all(np.array_equal(a, b) for a, b in zip(alone, disturbed))
    assert sum(np.ptp(w) > 0 for w in alone) > 50  # random kernels, not constants
