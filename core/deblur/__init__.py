"""Deblurring (deconvolution) methods: g = h ⊛ f + n is given with the PSF h; estimate f.

Importing this package registers every method of the DEBLUR task:
- `fourier`: inverse, pseudo-inverse/cutoff, Wiener, Wiener–Hunt, unsupervised Wiener, Tikhonov (FFT);
- `iterative`: Richardson–Lucy, blind Richardson–Lucy, Tikhonov by conjugate gradients;
- `reference`: BM3D deblurring.
Display helpers (`psf2otf`, `otf_magnitude`, `spectrum_db`) live in `fourier`.
"""
from core.deblur import fourier, iterative, reference  # noqa: F401  (registers the methods)
from core.deblur.fourier import otf_magnitude, psf2otf, spectrum_db

__all__ = ["fourier", "iterative", "reference", "psf2otf", "otf_magnitude", "spectrum_db"]
