"""AppTest for the Learned restoration page: tiny training runs, the comparison chart, the model upload path."""
import time

from tests.pages.helpers import errors, image_captions, imports_tensorflow, metric_captions, open_page

PAGE = "pages/learned_restoration.py"
DAE = "lr.dae.autoencoder"  # the training widgets: the autoencoder method's own parameters
TINY_DAE = {"lr.max_side": "128", f"{DAE}.depth": "2", f"{DAE}.filters": "8", f"{DAE}.epochs": "2",
            f"{DAE}.steps": "3", f"{DAE}.patch": "16", f"{DAE}.batch": "4", f"{DAE}.seed": "7"}


def _run_until(at, text: str, timeout: float = 240.0):
    """Rerun the script until `text` is in a success/warning/error message (training runs in a thread)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        messages = " ".join(m.value for m in list(at.success) + list(at.warning) + list(at.error))
        if text in messages:
            return messages
        time.sleep(1.0)
        at.run()
    raise AssertionError(f"{text!r} never appeared; last messages: {messages}")


def test_page_opens_without_tensorflow_until_training_and_lists_unavailable_networks():
    assert not imports_tensorflow(PAGE, {"lr.max_side": "128"})  # TensorFlow loads on Train or upload only
    at = open_page(PAGE, {"lr.max_side": "128"})
    assert not at.exception, at.exception
    assert not errors(at)
    table = at.dataframe[0].value
    assert list(table["network"]) == ["GCANet deraining", "DeblurGAN generator", "DCGAN semantic inpainting"]
    assert all(len(reason) > 20 for reason in table["why it is unavailable here"])
    assert any("Train the autoencoder" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) >= 1  # the classical denoisers' chart is there before any training


def test_training_the_autoencoder_puts_it_on_the_comparison_chart():
    at = open_page(PAGE, TINY_DAE)
    at.button(key="lr.dae.train").click().run()
    assert not at.exception, at.exception
    _run_until(at, "trained for 2 epochs")
    assert not at.exception and not errors(at), errors(at)
    labels = image_captions(at)  # the trained network joined the comparison, as a method of the denoise task
    assert "Denoising autoencoder (RED-Net, trained here)" in labels and "Median filter" in labels, labels
    assert len(metric_captions(at)) == 6  # the noisy input, the four classical denoisers and the autoencoder
    assert at.session_state["denoise.autoencoder.epochs"] == 2  # with the settings it was trained with
    # a second visit (a new session) finds the trained model in st.cache_resource instead of retraining
    again = open_page(PAGE, TINY_DAE)
    assert any("trained for 2 epochs" in s.value for s in again.success)
    assert again.button(key="lr.dae.train").label == "Train again"


def test_stopping_a_run_gives_a_clear_message():
    at = open_page(PAGE, dict(TINY_DAE, **{f"{DAE}.epochs": "30", f"{DAE}.steps": "100", f"{DAE}.seed": "8"}))
    at.button(key="lr.dae.train").click().run()
    at.button(key="lr.dae.stop").click().run()
    messages = _run_until(at, "stopped")
    assert not at.exception
    assert "discarded" in messages or "partially trained" in messages


def test_sparse_autoencoder_trains_on_digits_and_shows_filters():
    at = open_page(PAGE, {"lr.max_side": "128", "lr.sp.epochs": "3", "lr.sp.hidden": "16"})
    at.button(key="lr.sp.train").click().run()
    _run_until(at, "trained for 3 epochs")
    assert not at.exception and not errors(at)
    assert any("Test MSE: noisy" in m.value for m in at.markdown)
