"""Seeds for the Keras layers the project builds, so that one seed builds one network in any thread.

`keras.utils.set_random_seed` seeds Python's global `random`, and Keras draws the seed of every initializer and
dropout layer made without one from it, when the layer is made. Other threads of the process draw from it too
(a Dask worker's event loop, the Streamlit server), so the draws interleave and a seeded build can come out with
other weights: a seeded model denoised 5 dB worse in a Dask worker than serially. A layer seeded here does not
depend on that generator.

    seeds = LayerSeeds(seed)
    layers.Conv2D(8, 3, kernel_initializer=seeds.glorot())
    layers.Dropout(0.2, seed=seeds.next())
"""
from __future__ import annotations

import itertools


class LayerSeeds:
    """Distinct seeds for the layers of one network, the same sequence for the same `seed`."""

    def __init__(self, seed: int):
        self._next = itertools.count(int(seed) * 1000 + 1)

    def next(self) -> int:
        return next(self._next)

    def glorot(self):
        """Keras' default kernel initializer (Glorot uniform), seeded."""
        import keras

        return keras.initializers.GlorotUniform(seed=self.next())

    def normal(self, stddev: float):
        import keras

        return keras.initializers.RandomNormal(stddev=stddev, seed=self.next())
