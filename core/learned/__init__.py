"""Learned restoration (book Chapter 2.1): denoising autoencoders trained in the app, and loading a
restoration model of your own.

Nothing here imports TensorFlow at import time: `models`, `training` and `loading` import Keras inside
the functions that need it, so only the pages that train or load a model pay its start-up cost.
`data` is plain numpy (patch sampling, the digits set).
"""
