import io

import numpy as np
from PIL import Image

from tests.pages.helpers import errors, metric_captions, open_page, open_tab

PAGE = "pages/denoising.py"
SMALL = {"dn.max_side": "128"}


def test_defaults_show_results_that_beat_the_noisy_input():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    captions = metric_captions(at)
    assert len(captions) == 5  # noisy baseline + 4 default methods
    gains = [float(c.split("(")[1].split(")")[0]) for c in captions[1:]]
    assert all(g > 0 for g in gains), captions


def test_changing_a_parameter_changes_the_result():
    at = open_page(PAGE, SMALL)
    before = metric_captions(at)
    from core.registry import get_method
    from ui.params import log_options

    strongest = log_options(get_method("denoise", "tv_chambolle").param("weight"))[-1]
    at.select_slider(key="denoise.tv_chambolle.weight").set_value(strongest).run()
    assert not at.exception
    after = metric_captions(at)
    assert before[0] == after[0]  # same input
    assert before != after


def test_switching_noise_model_and_methods():
    at = open_page(PAGE, SMALL)
    at.sidebar.selectbox(key="dn.noise.model").set_value("salt_pepper").run()
    at.multiselect(key="dn.methods").set_value(["median", "weighted_median"]).run()
    assert not at.exception and not errors(at)
    assert "salt & pepper" in " ".join(c.value for c in at.caption)
    assert len(metric_captions(at)) == 3


def test_bad_upload_shows_a_message_and_the_page_keeps_working():
    at = open_page(PAGE, dict(SMALL, **{"dn.source": "Upload"}))
    assert not at.exception
    # AppTest cannot upload a file; check the core path the page uses instead
    from ui.inputs import _decoded
    from core.image import digest

    for data in (b"garbage bytes", _png(np.zeros((1, 1), np.uint8))):
        image, _, error = _decoded(digest(np.frombuffer(data, np.uint8)), 128, data)
        assert image is None and error
    assert len(metric_captions(at)) >= 2  # falls back to the sample and still runs


def _png(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_sweep_marks_the_best_point_and_history_records_runs():
    at = open_tab(open_page(PAGE, SMALL), "dn.tab", "Sweep")
    at.selectbox(key="dn.sweep.method").set_value("tv_chambolle").run()
    at.selectbox(key="dn.sweep.p1").set_value("weight").run()
    at.button(key="dn.sweep.run").click().run()
    assert not at.exception
    assert any("Best PSNR" in s.value for s in at.success)
    at.button(key="dn.sweep.use").click().run()
    assert not at.exception
    assert not at.dataframe  # hidden tabs are not drawn
    open_tab(at, "dn.tab", "History")
    assert len(at.dataframe) >= 1  # the history table


def test_zero_noise_gives_infinite_psnr_without_breaking_the_page():
    at = open_page(PAGE, SMALL)
    at.sidebar.slider(key="dn.noise.sigma").set_value(0.0).run()
    assert not at.exception, at.exception
    assert "∞" in metric_captions(at)[0]  # the input equals the reference
    assert len(at.get("plotly_chart")) >= 1


def test_tensorflow_is_not_imported():
    from tests.pages.helpers import imports_tensorflow

    assert not imports_tensorflow(PAGE, SMALL)
    assert not imports_tensorflow("pages/deblurring.py", {"db.max_side": "128"})


def test_export_links_to_the_bench_command_that_runs_the_comparison_at_scale():
    at = open_page(PAGE, SMALL)
    at.selectbox(key="denoise.median.size").set_value(7).run()
    open_tab(at, "dn.tab", "Export")
    command = next(c.value for c in at.code if c.value.startswith("python -m bench denoise"))
    assert "--methods median,tv_chambolle,nlm_cv,bayes_shrink" in command and '"median": {"size": 7}' in command
    assert "--jobs 2" in command and "--resume" in command
    import shlex

    from bench.cli import build_parser

    args = build_parser().parse_args(shlex.split(command)[3:])  # a valid command line for the bench
    assert args.task_spec.name == "denoise" and args.jobs == 2
