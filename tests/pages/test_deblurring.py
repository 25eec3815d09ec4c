from tests.pages.helpers import errors, metric_captions, open_page

PAGE = "pages/deblurring.py"
SMALL = {"db.max_side": "128"}


def test_defaults_show_results():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert len(metric_captions(at)) == 5
    assert any(l.value for l in at.latex)  # method cards carry the model


def test_every_kernel_kind_runs():
    at = open_page(PAGE, SMALL)
    for kind in ("motion", "disk", "bokeh", "box", "custom"):
        at.sidebar.selectbox(key="db.blur.kind").set_value(kind).run()
        assert not at.exception, kind
        assert not errors(at), (kind, errors(at))
    # no drawing in AppTest: the custom kernel falls back with a clear warning
    assert any("Draw" in w.value or "draw" in w.value for w in at.sidebar.warning)


def test_richardson_lucy_iterations_change_the_result():
    at = open_page(PAGE, dict(SMALL, **{"db.methods": "richardson_lucy"}))
    before = metric_captions(at)
    at.slider(key="deblur.richardson_lucy.num_iter").set_value(5).run()
    assert not at.exception
    assert metric_captions(at) != before
