"""Panels of the learned-restoration page: the autoencoder's background training (live loss, stop), the sparse
autoencoder on digits, and the upload of your own Keras model. The trained network and the uploaded model then
run as methods of the denoise task in the page's comparison."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.image import digest
from core.learned.denoisers import loaded_model, remember, training_settings
from core.learned.models import SparseConfig
from core.learned.training import SparseTraining, TrainingJob, train_denoiser, train_sparse
from core.registry import DENOISE, Method, get_method
from ui.params import param_widgets, set_params
from ui.training import training_monitor

PRETRAINED = pd.DataFrame([
    ("GCANet deraining", "2.1.3", "PyTorch weights (.pth) from the authors' repository; PyTorch is not installed "
     "and the weights' licence would need checking."),
    ("DeblurGAN generator", "2.2", "45 MB of .h5 weights trained on GoPro pairs; they are not redistributable "
     "here and a GAN cannot be trained on this CPU."),
    ("DCGAN semantic inpainting", "2.6", "a frozen TF1 graph trained on CelebA faces; neither the graph nor the "
     "faces ship with the app."),
], columns=["network", "book §", "why it is unavailable here"])


@st.cache_resource(max_entries=4, show_spinner=False)
def _job(kind: str, settings_key: str, _settings) -> TrainingJob:
    return TrainingJob(train_denoiser if kind == "dae" else train_sparse, _settings)


def _compare_it(method: Method, params: dict, methods_key: str, marker: str) -> None:
    """Put a method (with these parameters) into the comparison once, before its widgets are drawn."""
    if st.session_state.get(f"{methods_key}.added.{method.key}") == marker:
        return
    st.session_state[f"{methods_key}.added.{method.key}"] = marker
    set_params(method, params)
    chosen = list(st.session_state.get(methods_key, []))
    if method.key not in chosen:
        st.session_state[methods_key] = chosen + [method.key]


def autoencoder_panel(method: Method, *, methods_key: str, key: str) -> None:
    """Training settings (the method's own parameters), Train / Stop and live curves; the trained network joins
    the comparison with exactly these settings."""
    st.markdown("A small **RED-Net** (book §2.1.2): 3×3 convolutions with ReLU, skip connections from each encoder "
                "layer to its mirror in the decoder, and a global residual, so the network learns the noise to "
                "subtract. It trains on random patches of the bundled images (not *camera*, kept for testing) with "
                "fresh noise every batch. Sized for a CPU: the book's 30 layers × 128 filters on CIFAR-10 needs a GPU.")
    with st.expander("Training settings", icon=":material/tune:"):
        columns = st.columns(4)
        params = {}
        for i, param in enumerate(method.params):
            params.update(param_widgets(method, container=columns[i % 4], prefix=key, names=(param.name,)))
    settings = training_settings(**params)
    job = _job("dae", repr(settings), settings)
    training_monitor(job, key=key, extra="val_psnr", extra_title="validation PSNR (dB)")
    if job.model is None:
        st.info("Train the autoencoder to add it to the comparison below (or add it there: it then trains with "
                "its panel's settings, without the live view).", icon=":material/model_training:")
    else:
        kept = remember(settings, job.result)
        _compare_it(method, dict(params, epochs=kept.epochs), methods_key, repr(kept))
        st.caption("The trained network is in the comparison below (as *" + method.label + "*) with these settings"
                   + (f", at the {kept.epochs} epochs it trained before it was stopped." if job.result.stopped
                      else "."))


def sparse_panel(*, key: str) -> None:
    """The KL-sparse autoencoder on the bundled 8×8 digits: test digits restored, learned filters."""
    st.markdown("A **sparse denoising autoencoder** (book §2.1.1) on scikit-learn's bundled 8×8 digits (standing "
                "in for notMNIST): one sigmoid hidden layer whose mean activations are pushed towards a small ρ by "
                "a KL-divergence penalty, so each unit learns a stroke-like filter.")
    st.latex(r"\mathcal{L} = \tfrac{1}{N}\sum\|x-\hat x\|^2 + \tfrac{\lambda}{2}(\|W_1\|^2+\|W_2\|^2)"
             r" + \beta\sum_j \rho\log\tfrac{\rho}{\hat\rho_j} + (1-\rho)\log\tfrac{1-\rho}{1-\hat\rho_j}")
    q = dict(bind="query-params")
    c1, c2, c3, c4, c5 = st.columns(5)
    hidden = c1.select_slider("Hidden units", [16, 36, 64, 100, 144, 196], 64, key=f"{key}.hidden", **q)
    rho = c2.select_slider("Target activation ρ", [0.01, 0.02, 0.05, 0.1, 0.2], 0.05, key=f"{key}.rho", **q)
    beta = c3.slider("Sparsity weight β", 0.0, 5.0, 3.0, 0.5, key=f"{key}.beta", **q)
    sigma = c4.slider("Noise σ", 0.0, 0.5, 0.15, 0.05, key=f"{key}.sigma", **q)
    epochs = c5.slider("Epochs", 1, 100, 30, key=f"{key}.epochs", **q)
    settings = SparseTraining(SparseConfig(hidden=hidden, rho=rho, beta=beta), sigma=sigma, epochs=epochs)
    sparse = _job("sparse", repr(settings), settings)
    training_monitor(sparse, key=key)
    if sparse.model is None:
        return
    from core.faces import mosaic

    extras = sparse.result.extras
    digits = np.concatenate([extras["test_clean"][:12], extras["test_noisy"][:12],
                             np.clip(extras["restored"][:12], 0, 1)]).reshape(-1, 8, 8)
    filters = extras["filters"]
    tiles = (filters - filters.min(axis=1, keepdims=True)) / (np.ptp(filters, axis=1, keepdims=True) + 1e-9)
    g1, g2 = st.columns([3, 2])
    g1.image(np.kron(mosaic(digits, columns=12, gap=0), np.ones((6, 6))), caption="Test digits: clean, noisy, "
             "restored", width="stretch")
    g2.image(np.kron(mosaic(tiles.reshape(-1, 8, 8), columns=int(np.ceil(np.sqrt(len(tiles))))), np.ones((4, 4))),
             caption="Learned filters (rows of W₁)", width="stretch")
    mse = float(np.mean((extras["restored"] - extras["test_clean"]) ** 2))
    st.markdown(f"Test MSE: noisy **{extras['noisy_mse']:.4f}** → restored **{mse:.4f}** · mean hidden "
                f"activation **{extras['mean_activation']:.3f}** (target ρ = {rho})")


def own_model_panel(*, methods_key: str, key: str):
    """The unavailable pretrained networks, and the upload of a .keras model: checked in safe mode, it joins the
    comparison as the "Your Keras model" method. Returns the upload when it can be used, else None."""
    st.markdown("The chapter's pretrained networks can't ship with the app, so they are listed here as unavailable:")
    st.dataframe(PRETRAINED, hide_index=True, width="stretch")
    st.markdown("**Load your own Keras restoration model** (`.keras`, Keras 3). It is loaded with `safe_mode=True` "
                "(no Lambda layers or other embedded code) and must map images (batch, height, width, 1 or 3 "
                "channels) in [0, 1] to images of the same shape; fixed-size models run on tiles.")
    upload = st.file_uploader("Keras model", type=["keras"], key=f"{key}.upload")
    if upload is None:
        return None
    data = upload.getvalue()
    try:
        with st.spinner("Loading your model (safe mode)…"):
            _, spec = loaded_model(data, upload.name)
    except ValueError as exc:
        st.error(f"Could not use “{upload.name}”: {exc}")
        return None
    st.success(f"Loaded {spec.description}. It is in the comparison below as *Your Keras model*.")
    _compare_it(get_method(DENOISE, "keras_model"), {}, methods_key, digest(np.frombuffer(data, np.uint8)))
    return upload
