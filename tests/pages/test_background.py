from tests.pages.helpers import errors, open_page

PAGE = "pages/background.py"
SMALL = {"bg.max_side": "256"}


def test_defaults_make_a_grabcut_mask_and_three_effects():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    captions = [c.value for c in at.caption]
    assert any("centred box" in c for c in captions), captions
    times = [m.value for m in at.markdown if m.value.strip().endswith(" s")]
    assert len(times) >= 3, times  # one time caption per effect
    assert any("not available here" in e.label for e in at.expander)
    frames = [d.value for d in at.dataframe if "model" in d.value.columns]
    assert frames and {"DeepLabV3+ (Xception, Cityscapes)", "ENet (Cityscapes)"} <= set(frames[0]["model"])


def test_changing_an_effect_parameter_and_grabcut_iterations():
    at = open_page(PAGE, SMALL)
    at.slider(key="bg.fg.iterations").set_value(1).run()
    assert not at.exception and not errors(at)
    at.selectbox(key="background.replace.backdrop").set_value("gradient").run()
    assert not at.exception and not errors(at)


def test_drawing_mode_without_a_mask_explains_what_to_do():
    at = open_page(PAGE, dict(SMALL, **{"bg.fg.source": "Draw the mask"}))
    assert not at.exception
    assert any("Paint over the object" in i.value for i in at.info)
    assert any("appear once there is a foreground mask" in i.value for i in at.info)


def test_empty_grabcut_result_is_a_warning_not_a_crash():
    # at 128 px GrabCut finds nothing in the default box on the astronaut: the page says what to do
    at = open_page(PAGE, {"bg.max_side": "128"})
    assert not at.exception
    warned = any("GrabCut found no object" in w.value for w in at.warning)
    assert warned or len([m for m in at.markdown if m.value.strip().endswith(" s")]) >= 3
