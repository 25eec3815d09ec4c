"""Live view of a background training job (core.learned.training.TrainingJob): status, a stop button and
loss curves that refresh while the job runs, then one full rerun when it ends."""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots
import streamlit as st


def loss_figure(history: list[dict], *, title: str = "Training loss", extra: str | None = None,
                extra_title: str = "") -> go.Figure:
    """Batch losses (thin), epoch training and validation losses on a log axis; `extra`, an epoch field
    (e.g. validation PSNR), on a second axis."""
    fig = make_subplots(specs=[[{"secondary_y": extra is not None}]])
    batches = [h for h in history if h["kind"] == "batch"]
    epochs = [h for h in history if h["kind"] == "epoch"]
    if batches:
        fig.add_trace(go.Scatter(x=[h["step"] for h in batches], y=[h["loss"] for h in batches], mode="lines",
                                 name="batch loss", line=dict(color="#9ecae9", width=1)))
    if epochs:
        steps = [h["step"] for h in epochs]
        fig.add_trace(go.Scatter(x=steps, y=[h["loss"] for h in epochs], mode="lines+markers",
                                 name="training loss (epoch mean)", line=dict(color="#4c78a8")))
        fig.add_trace(go.Scatter(x=steps, y=[h["val_loss"] for h in epochs], mode="lines+markers",
                                 name="validation loss", line=dict(color="#f58518")))
        if extra is not None:
            fig.add_trace(go.Scatter(x=steps, y=[h[extra] for h in epochs], mode="lines+markers", name=extra_title,
                                     line=dict(color="#54a24b", dash="dot")), secondary_y=True)
            fig.update_yaxes(title_text=extra_title, secondary_y=True)
    fig.update_yaxes(type="log", title_text="loss", secondary_y=False)
    fig.update_xaxes(title_text="training step (batches)")
    fig.update_layout(title=title, height=320, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", y=-0.3))
    return fig


def _status(job) -> None:
    epochs = [h for h in job.history if h["kind"] == "epoch"]
    planned = getattr(job.settings, "epochs", "?")
    if job.status == "running":
        step = job.history[-1]["step"] if job.history else 0
        note = f", {step} batches done" if step else " (the first run also loads TensorFlow)"
        st.info(f"Training… epoch {min(len(epochs) + 1, planned)} of {planned}{note}.",
                icon=":material/hourglass_top:")
    elif job.status == "failed":
        st.error(job.error)
    elif job.result is not None and job.result.model is None:
        st.warning("Training was stopped before the first epoch ended, so the model was discarded. "
                   "Press Train to start again.", icon=":material/stop_circle:")
    elif job.status == "stopped":
        st.warning(f"Training was stopped: the model is **{job.result.label}**. It is usable, and labelled as "
                   "partial everywhere it appears; press Train to start over.", icon=":material/stop_circle:")
    elif job.status == "done":
        st.success(f"Model {job.result.label}. It stays in memory for every visitor until the settings change.",
                   icon=":material/check_circle:")


def training_monitor(job, *, key: str, extra: str | None = None, extra_title: str = "") -> None:
    """Train / Stop buttons, the status line and the live loss chart of `job`."""
    label = "Train" if job.status == "idle" else "Train again"
    if st.button(label, key=f"{key}.train", type="primary", disabled=job.running, icon=":material/play_arrow:"):
        with st.spinner("Loading TensorFlow…"):
            job.prepare()
        job.start()
    running = job.running

    @st.fragment(run_every=2.0 if running else None)
    def live() -> None:
        if st.button("Stop", key=f"{key}.stop", disabled=not job.running, icon=":material/stop:"):
            job.stop()
            job.wait(30)
        _status(job)
        if job.history:
            st.plotly_chart(loss_figure(job.history, extra=extra, extra_title=extra_title), width="stretch",
                            key=f"{key}.loss")
        if running and not job.running:  # it ended while we were watching: show the results
            st.rerun(scope="app")

    live()
