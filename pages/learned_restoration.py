"""Learned restoration: a denoising autoencoder trained here with TensorFlow/Keras and a Keras model of your own,
compared with the classical denoisers as methods of the one denoise task; a sparse autoencoder on digits; the
book's pretrained networks, listed as unavailable."""
import streamlit as st

import ui
from core.registry import DENOISE, get_method
from ui.panels import learned

CLASSICAL = ["median", "tv_chambolle", "nlm_cv", "bayes_shrink"]

ui.header("Learned restoration", "Train a denoising autoencoder right here, then compare it with the classical "
          "denoisers on your noisy image; or bring a Keras restoration model of your own.", "Chapter 2")
clean = ui.pick_image(key="lr")
noisy = ui.noise_controls(clean.image, key="lr.noise")
autoencoder, own = get_method(DENOISE, "autoencoder"), get_method(DENOISE, "keras_model")
ui.method_cards([autoencoder, own])
dae_tab, sparse_tab, own_tab = st.tabs([":material/layers: Convolutional denoising autoencoder",
                                        ":material/grid_on: Sparse autoencoder (digits)",
                                        ":material/upload_file: Pretrained networks & your own model"])
with dae_tab:
    learned.autoencoder_panel(autoencoder, methods_key="lr.methods", key="lr.dae")
with sparse_tab:
    learned.sparse_panel(key="lr.sp")
with own_tab:
    upload = learned.own_model_panel(methods_key="lr.methods", key="lr.own")

st.subheader("Learned against classical denoisers")
st.caption(f"Input: **{clean.name}** with {noisy.description}. The autoencoder and your model are methods of the "
           "denoise task like the others: tune, sweep, reopen and export them the same way (the autoencoder's "
           "settings are its training settings; a setting not trained yet trains when it runs).")
data = None if upload is None else upload.getvalue()
ui.compare(DENOISE, {"image": noisy.image, "known_sigma": noisy.sigma, "model": data}, truth=clean.image,
           baseline="Noisy input", defaults=CLASSICAL, key="lr", variables={"image": "degraded", "model": "model"},
           truth_code="image", recipe=f"{clean.code}\n{noisy.code}" + (
               "" if upload is None else f"\nmodel = open({upload.name!r}, 'rb').read()  # your .keras file"))
