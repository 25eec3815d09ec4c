from tests.pages.helpers import errors, open_page, open_tab

PAGE = "pages/interactive_segmentation.py"
SMALL = {"is.max_side": "128"}


def scores(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("IoU **")]


def ious(at) -> list[float]:
    return [float(c.split("**")[1]) for c in scores(at)]


def test_defaults_score_every_method_against_the_known_mask():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    values = ious(at)
    assert len(values) == 4, scores(at)  # the four default methods, with automatic input from the known mask
    assert all(v >= 0.85 for v in values), scores(at)
    assert any("known ground-truth mask" in s.value for s in at.sidebar.success)
    assert len(at.get("plotly_chart")) >= 2  # bars + agreement heatmap


def test_without_automatic_input_methods_explain_what_to_draw():
    at = open_page(PAGE, SMALL)
    at.toggle(key="is.auto").set_value(False).run()
    assert not at.exception
    messages = " ".join(errors(at))
    assert "needs scribbles" in messages and "needs a rectangle" in messages and "needs seed points" in messages


def test_changing_a_parameter_changes_the_result():
    at = open_page(PAGE, dict(SMALL, **{"is.methods": ["Fast marching (SimpleITK)"]}))
    before = scores(at)
    at.select_slider(key="segment.fast_marching.stopping_time").set_value(5.0).run()
    assert not at.exception and not errors(at)
    assert scores(at) != before and ious(at)[0] < 0.5


def test_more_methods_and_views():
    methods = ["Watershed, automatic markers (distance transform)", "Morphological watershed (SimpleITK)",
               "Geodesic active contour (SimpleITK)"]
    at = open_page(PAGE, dict(SMALL, **{"is.methods": methods}))
    assert not at.exception and not errors(at), errors(at)
    assert len(scores(at)) == 3
    at.radio(key="is.view").set_value("Error map (vs reference)").run()
    assert not at.exception


def test_a_sample_without_ground_truth_shows_counts_only():
    at = open_page(PAGE, dict(SMALL, **{"is.methods": ["Watershed, automatic markers (distance transform)"]}))
    at.sidebar.selectbox(key="is.sample").set_value("coins").run()
    assert not at.exception and not errors(at), errors(at)
    assert not scores(at)  # no reference: no IoU
    counts = [m.value for m in at.markdown if " segments · " in m.value]
    assert counts and int(counts[0].split(" segments")[0]) > 10, counts  # coins get split


def test_sweep_scores_iou():
    at = open_tab(open_page(PAGE, dict(SMALL, **{"is.methods": ["Random walker (scikit-image)"]})), "is.tab", "Sweep")
    at.selectbox(key="is.sweep.p1").set_value("beta").run()
    at.button(key="is.sweep.run").click().run()
    assert not at.exception
    assert any("Best IoU" in s.value for s in at.success)


def test_export_snippet_reproduces_the_score(capsys):
    at = open_page(PAGE, dict(SMALL, **{"is.methods": ["GrabCut (OpenCV)"]}))
    shown = scores(at)[0].split(" · ")[0].replace("*", "")  # "IoU 0.9xx"
    open_tab(at, "is.tab", "Export")
    code = [c.value for c in at.code if "get_method('segment', 'grabcut')" in c.value]
    assert code, [c.value[:80] for c in at.code]
    capsys.readouterr()
    exec(code[0], {})
    assert capsys.readouterr().out.startswith(shown + " · ")  # the task's own score, printed by the snippet
