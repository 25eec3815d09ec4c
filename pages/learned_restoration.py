"""Learned restoration: denoising autoencoders trained here with TensorFlow/Keras, compared with the
classical denoisers; the book's pretrained networks; and a Keras restoration model of your own."""
import time

import numpy as np
import pandas as pd
import streamlit as st

from core.image import digest
from core.learned.models import RedNetConfig, SparseConfig
from core.learned.training import DenoiserTraining, SparseTraining, TrainingJob, train_denoiser, train_sparse
from core.metrics import quality
from core.registry import DENOISE, methods_for
from ui.compare import pick_methods
from ui.degrade_controls import noise_controls
from ui.inputs import pick_image
from ui.page import header
from ui.plots import cached_figure, metric_bars, synced_images
from ui.runner import format_metric, run_method
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


@st.cache_resource(max_entries=3, show_spinner="Loading your model (safe mode)…")
def _user_model(data_digest: str, name: str, _data: bytes):
    from core.learned.loading import load_keras_model

    try:
        return load_keras_model(_data, name), None
    except ValueError as exc:
        return None, str(exc)


@st.cache_data(max_entries=8, show_spinner="Applying the model…")
def _apply(image_digest: str, model_key: str, _model, _spec, _image):
    from core.learned.loading import denoise_with_model

    start = time.perf_counter()
    try:
        return denoise_with_model(_model, _image, _spec), time.perf_counter() - start, None
    except ValueError as exc:
        return None, 0.0, str(exc)


header("Learned restoration", "Train denoising autoencoders right here, then put them next to the classical "
       "denoisers on your noisy image; or bring a Keras restoration model of your own.", "Chapter 2")
clean = pick_image(key="lr")
noisy = noise_controls(clean.image, key="lr.noise")
learned: dict[str, tuple] = {}  # label -> (image, seconds)
dae_tab, sparse_tab, own_tab = st.tabs([":material/layers: Convolutional denoising autoencoder",
                                        ":material/grid_on: Sparse autoencoder (digits)",
                                        ":material/upload_file: Pretrained networks & your own model"])

with dae_tab:
    st.markdown("A small **RED-Net** (book §2.1.2): 3×3 convolutions with ReLU, skip connections from each encoder "
                "layer to its mirror in the decoder, and a global residual, so the network learns the noise to "
                "subtract. It trains on random patches of the bundled images (not *camera*, kept for testing) with "
                "fresh noise every batch. Sized for a CPU: the book's 30 layers × 128 filters on CIFAR-10 needs a GPU.")
    q = dict(bind="query-params")
    with st.expander("Training settings", icon=":material/tune:"):
        c1, c2, c3, c4 = st.columns(4)
        depth = c1.select_slider("Layers", [2, 4, 6, 8, 10], 6, key="lr.dae.depth", **q)
        filters = c2.select_slider("Filters per layer", [8, 16, 24, 32, 48], 24, key="lr.dae.filters", **q)
        epochs = c3.slider("Epochs", 1, 30, 6, key="lr.dae.epochs", **q)
        steps = c4.slider("Batches per epoch", 1, 100, 25, key="lr.dae.steps", **q)
        patch = c1.select_slider("Patch size", [16, 24, 32, 48, 64], 32, key="lr.dae.patch", **q)
        batch = c2.select_slider("Batch size", [4, 8, 16, 32], 16, key="lr.dae.batch", **q)
        sigma = c3.slider("Training noise σ (0–255)", 5, 75, 25, key="lr.dae.sigma", **q)
        blind = c4.toggle("Blind (σ/3 to 2σ)", False, key="lr.dae.blind", **q)
        seed = int(c1.number_input("Seed", 0, 9999, 0, key="lr.dae.seed", **q))
    settings = DenoiserTraining(RedNetConfig(depth=depth, filters=filters), patch=patch, batch=batch, epochs=epochs,
                                steps_per_epoch=steps, sigma=sigma / 255, blind=blind, seed=seed)
    dae = _job("dae", repr(settings), settings)
    training_monitor(dae, key="lr.dae", extra="val_psnr", extra_title="validation PSNR (dB)")
    if dae.model is not None:
        label = "Denoising autoencoder" + (" (partial)" if dae.result.stopped else "")
        image, seconds, error = _apply(digest(noisy.image), f"{settings!r}/{dae.result.epochs_done}", dae.model, None,
                                       noisy.image)
        if error:
            st.error(f"The autoencoder could not be applied: {error}")
        else:
            learned[label] = (image, seconds)

with sparse_tab:
    st.markdown("A **sparse denoising autoencoder** (book §2.1.1) on scikit-learn's bundled 8×8 digits (standing "
                "in for notMNIST): one sigmoid hidden layer whose mean activations are pushed towards a small ρ by "
                "a KL-divergence penalty, so each unit learns a stroke-like filter.")
    st.latex(r"\mathcal{L} = \tfrac{1}{N}\sum\|x-\hat x\|^2 + \tfrac{\lambda}{2}(\|W_1\|^2+\|W_2\|^2)"
             r" + \beta\sum_j \rho\log\tfrac{\rho}{\hat\rho_j} + (1-\rho)\log\tfrac{1-\rho}{1-\hat\rho_j}")
    c1, c2, c3, c4, c5 = st.columns(5)
    hidden = c1.select_slider("Hidden units", [16, 36, 64, 100, 144, 196], 64, key="lr.sp.hidden", **q)
    rho = c2.select_slider("Target activation ρ", [0.01, 0.02, 0.05, 0.1, 0.2], 0.05, key="lr.sp.rho", **q)
    beta = c3.slider("Sparsity weight β", 0.0, 5.0, 3.0, 0.5, key="lr.sp.beta", **q)
    sp_sigma = c4.slider("Noise σ", 0.0, 0.5, 0.15, 0.05, key="lr.sp.sigma", **q)
    sp_epochs = c5.slider("Epochs", 1, 100, 30, key="lr.sp.epochs", **q)
    sp_settings = SparseTraining(SparseConfig(hidden=hidden, rho=rho, beta=beta), sigma=sp_sigma, epochs=sp_epochs)
    sparse = _job("sparse", repr(sp_settings), sp_settings)
    training_monitor(sparse, key="lr.sp")
    if sparse.model is not None:
        extras = sparse.result.extras
        rows = [extras["test_clean"][:12], extras["test_noisy"][:12], np.clip(extras["restored"][:12], 0, 1)]
        grid = np.concatenate([np.concatenate([d.reshape(8, 8) for d in row], axis=1) for row in rows], axis=0)
        filters_grid = extras["filters"]
        side = int(np.ceil(np.sqrt(len(filters_grid))))
        tiles = [(f - f.min()) / (np.ptp(f) + 1e-9) for f in filters_grid]
        tiles += [np.zeros(64)] * (side * side - len(tiles))
        mosaic = np.concatenate([np.concatenate([np.pad(t.reshape(8, 8), 1) for t in tiles[r * side:(r + 1) * side]],
                                                axis=1) for r in range(side)], axis=0)
        g1, g2 = st.columns([3, 2])
        g1.image(np.kron(grid, np.ones((6, 6))), caption="Test digits: clean, noisy, restored", width="stretch")
        g2.image(np.kron(mosaic, np.ones((4, 4))), caption="Learned filters (rows of W₁)", width="stretch")
        mse = float(np.mean((extras["restored"] - extras["test_clean"]) ** 2))
        st.markdown(f"Test MSE: noisy **{extras['noisy_mse']:.4f}** → restored **{mse:.4f}** · mean hidden "
                    f"activation **{extras['mean_activation']:.3f}** (target ρ = {rho})")

with own_tab:
    st.markdown("The chapter's pretrained networks can't ship with the app, so they are listed here as unavailable:")
    st.dataframe(PRETRAINED, hide_index=True, width="stretch")
    st.markdown("**Load your own Keras restoration model** (`.keras`, Keras 3). It is loaded with `safe_mode=True` "
                "(no Lambda layers or other embedded code) and must map images (batch, height, width, 1 or 3 "
                "channels) in [0, 1] to images of the same shape; fixed-size models run on tiles.")
    upload = st.file_uploader("Keras model", type=["keras"], key="lr.own.upload")
    if upload is not None:
        data = upload.getvalue()
        loaded, error = _user_model(digest(np.frombuffer(data, np.uint8)), upload.name, data)
        if error:
            st.error(f"Could not use “{upload.name}”: {error}")
        else:
            model, spec = loaded
            st.success(f"Loaded {spec.description}.")
            image, seconds, error = _apply(digest(noisy.image), digest(np.frombuffer(data, np.uint8)), model, spec,
                                           noisy.image)
            if error:
                st.error(f"Could not apply “{upload.name}”: {error}")
            else:
                learned[f"Your model ({upload.name})"] = (image, seconds)

st.subheader("Learned against classical denoisers")
st.caption(f"Input: **{clean.name}** with {noisy.description}. The classical methods are the Denoising page's, "
           "with their default parameters.")
classical = pick_methods(DENOISE, ["median", "tv_chambolle", "nlm_cv", "bayes_shrink"], key="lr.classical")
results = [run_method(m, (noisy.image,), {}, reference=clean.image) for m in classical]
rows = [dict(method=r.method.label, seconds=r.seconds, **r.metrics) for r in results if r.ok]
rows += [dict(method=label, seconds=seconds, **quality(clean.image, image)) for label, (image, seconds) in learned.items()]
baseline = quality(clean.image, noisy.image)
if not learned:
    st.info("Train the autoencoder (or load a model) to add it to this comparison.")
if rows:
    st.plotly_chart(cached_figure(metric_bars, rows, baseline=baseline), width="stretch", key="lr.bars")
    st.markdown(" · ".join(f"{r['method']}: PSNR **{format_metric(r['psnr'], ' dB')}**, SSIM "
                           f"**{format_metric(r['ssim'], digits=3)}**" for r in rows))
    images = {"Noisy input": noisy.image, **{label: image for label, (image, _) in learned.items()},
              **{r.method.label: r.image for r in results if r.ok}}
    st.plotly_chart(cached_figure(synced_images, images, columns=4), width="stretch", key="lr.zoom")
for r in results:
    if not r.ok:
        st.error(f"**{r.method.label}**: {r.error}")
