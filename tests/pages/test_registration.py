import re

import numpy as np

from tests.pages.helpers import errors, imports_tensorflow, open_page, open_tab

PAGE = "pages/registration.py"
SMALL = {"rg.max_side": "128"}


def errors_px(at) -> list[float]:
    """Error of the 'before' cell first, then each method's."""
    return [float(re.search(r"error \*\*([\d.]+) px\*\*", m.value).group(1)) for m in at.markdown
            if re.search(r"error \*\*[\d.]+ px\*\*", m.value)]


def test_defaults_recover_a_known_homography():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    values = errors_px(at)
    assert len(values) == 5  # before + SIFT, ORB, AKAZE, ECC
    assert values[0] > 5 and values[1] < 1.0  # SIFT + RANSAC within a pixel
    assert {c.key for c in at.get("plotly_chart")} == {"rg.compare.bars"}  # Compare: errors & times
    assert not open_tab(at, "rg.tab", "Overlay").get("plotly_chart")  # the other tabs run only when opened
    assert any("inliers" in m.value for m in open_tab(at, "rg.tab", "Matches").markdown)
    assert len(open_tab(at, "rg.tab", "Deformation").get("plotly_chart")) == 2  # estimated and true grids
    namespace = {}
    snippet = next(c.value for c in open_tab(at, "rg.tab", "Export").code if "get_method(" in c.value)
    exec(snippet, namespace)  # the Export tab's snippet rebuilds the pair and reruns SIFT
    assert namespace["truth"].error_px(namespace["method"].run(namespace["fixed"], namespace["moving"]).extras) < 1


def test_deformable_methods_reduce_the_error_and_the_mse():
    at = open_page(PAGE, dict(SMALL, **{"rg.moving.kind": "deformable", "rg.moving.strength": "2.0"}))
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    values = errors_px(at)
    assert len(values) == 4 and all(v < values[0] for v in values[1:])
    for m in at.markdown:
        found = re.search(r"MSE ([\d.]+) → \*\*([\d.]+)\*\*", m.value)
        if found:
            assert float(found.group(2)) < float(found.group(1))


def test_magsac_and_affine_model_settings():
    at = open_page(PAGE, dict(SMALL, **{"rg.moving.kind": "affine"}))
    at.selectbox(key="register.sift.estimator").set_value("MAGSAC").run()
    at.selectbox(key="register.sift.model").set_value("affine").run()
    assert not at.exception and not errors(at)
    assert errors_px(at)[1] < 1.0


def test_fewer_than_four_matches_is_a_message_in_its_cell():
    at = open_page(PAGE, SMALL)
    at.slider(key="register.orb.ratio").set_value(0.5).run()
    at.slider(key="register.orb.nfeatures").set_value(100).run()
    at.sidebar.selectbox(key="rg.sample").set_value("synthetic checkerboard").run()
    assert not at.exception, at.exception
    messages = errors(at)
    assert any("match" in e or "fit failed" in e for e in messages), messages


def test_channel_alignment_recovers_the_shifts():
    at = open_page(PAGE, SMALL)
    assert not [s for s in at.slider if s.key == "rg.channels.bx"]  # closed: nothing ran
    at.session_state["rg.channels.open"] = True
    at.run().slider(key="rg.channels.bx").set_value(-4).run()  # the default 12 px is too far for StackReg at 128 px
    at.slider(key="rg.channels.by").set_value(3).run()
    table = next(d.value for d in at.dataframe if "estimated dx" in d.value.columns)
    assert (table["error (px)"] < 0.5).all(), table


def test_tensorflow_waits_for_the_train_button():
    assert not imports_tensorflow(PAGE, SMALL)


def test_sweep_minimises_the_error_and_history_records_runs():
    at = open_page(PAGE, SMALL)
    labels = [t.label for t in at.tabs]
    assert any("Sweep" in label for label in labels) and any("History" in label for label in labels), labels
    history = next(d.value for d in open_tab(at, "rg.tab", "History").dataframe if "error (px)" in d.value.columns)
    assert len(history) == 4 and history["error (px)"].min() < 1.0  # SIFT, ORB, AKAZE, ECC
    open_tab(at, "rg.tab", "Sweep").selectbox(key="rg.sweep.method").set_value("sift").run()
    at.selectbox(key="rg.sweep.p1").set_value("threshold").run()
    at.button(key="rg.sweep.run").click().run()
    assert not at.exception, at.exception
    result = at.session_state["rg.sweep.result"]
    best = next(s.value for s in at.success if s.value.startswith("Best error"))
    assert float(best.split()[2]) == round(float(np.nanmin(result["error_px"])), 3) < 1.0, best
    assert np.nanmin(result["mse"]) < 0.01
    at.radio(key="rg.sweep.score").set_value("mse").run()
    assert any(s.value.startswith("Best MSE after") for s in at.success)
    at.button(key="rg.sweep.use").click().run()
    assert not at.exception
