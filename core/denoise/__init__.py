"""Denoising methods (task DENOISE). Importing the package registers every method, in this order."""
from core.denoise import filters  # noqa: F401  (registration)
from core.denoise import variational  # noqa: F401
from core.denoise import wavelets  # noqa: F401
from core.denoise import reference  # noqa: F401
from core.learned import denoisers  # noqa: F401  (the autoencoder trained here, your own Keras model)
from core.denoise.filters import median_weights, weighted_median_filter
from core.denoise.variational import map_closed_form_solution, map_energy, minimise_map_energy
from core.denoise.wavelets import detail_coefficients, dwt_level_max, dwt_mosaic

__all__ = [
    "detail_coefficients", "dwt_level_max", "dwt_mosaic", "map_closed_form_solution", "map_energy",
    "median_weights", "minimise_map_energy", "weighted_median_filter",
]
