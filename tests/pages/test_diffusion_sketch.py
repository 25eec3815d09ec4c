"""AppTest for the Diffusion & sketch page."""
from tests.pages.helpers import errors, imports_tensorflow, metric_captions, open_page

PAGE = "pages/diffusion_sketch.py"
SMALL = {"ds.max_side": "128", "ds.curve.iterations": "20"}


def test_defaults_show_diffusion_results_curves_and_sketches():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    captions = metric_captions(at)
    assert len(captions) == 4  # noisy baseline + Gaussian, numpy and OpenCV Perona–Malik
    gains = [float(c.split("(")[1].split(")")[0]) for c in captions[1:]]
    assert all(g > 0 for g in gains), captions
    markdown = " ".join(m.value for m in at.markdown)
    for name in ("Perona–Malik (numpy)", "Perona–Malik (OpenCV)", "Gaussian, matched time"):
        assert f"**{name}**: best PSNR" in markdown
    assert at.get("plotly_chart")  # metric bars and the iteration curves


def test_tensorflow_is_not_imported():
    assert not imports_tensorflow(PAGE, SMALL)


def test_iteration_slider_and_conduction_change_the_curve():
    at = open_page(PAGE, SMALL)
    before = [m.value for m in at.markdown if "best PSNR" in m.value]
    at.slider(key="ds.curve.iterations").set_value(8).run()
    at.selectbox(key="ds.curve.conduction").set_value("quadratic").run()
    assert not at.exception and not errors(at)
    after = [m.value for m in at.markdown if "best PSNR" in m.value]
    assert after and after != before


def test_unstable_opencv_step_warns_and_book_parameters_are_heat_flow():
    at = open_page(PAGE, SMALL)
    at.slider(key="ds.curve.alpha").set_value(0.25).run()
    assert not at.exception
    assert any("unstable" in w.value for w in at.warning)


def test_sketch_controls_change_the_sketch():
    at = open_page(PAGE, SMALL)
    at.multiselect(key="sk.methods").set_value(["sk_diffusion"]).run()
    before = at.session_state["sketch.sk_diffusion.threshold"]
    at.slider(key="sketch.sk_diffusion.threshold").set_value(0.05).run()
    at.toggle(key="sketch.sk_diffusion.invert").set_value(True).run()
    assert not at.exception and not errors(at)
    assert at.session_state["sketch.sk_diffusion.threshold"] == 0.05 != before


def test_bad_diffusion_parameter_in_the_url_is_clamped_not_a_crash():
    at = open_page(PAGE, dict(SMALL, **{"diffuse.df_numpy.gamma": "5", "ds.curve.kappa": "nonsense"}))
    assert not at.exception, at.exception
