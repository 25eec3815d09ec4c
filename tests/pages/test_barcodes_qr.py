"""Barcodes & QR page: the generated scene is decoded by every decoder, bad generator input gets a message, the
robustness tab draws its curves, and uploads without a code say so."""
import re

from core.tasks.codes import BOOK_ISBN, BOOK_PAYLOAD
from tests.pages.helpers import errors, heavy_imports, image_captions, open_page, open_tab

PAGE = "pages/barcodes_qr.py"
SMALL = {"qr.gen.size": "384"}


def _captions(at) -> list[str]:
    return [m.value for m in at.markdown if re.match(r"^\*\*(\d+ codes?|No code found)\*\*", m.value)]


def _table(at):
    return next(d.value for d in at.dataframe if "decoder" in d.value.columns and "text" in d.value.columns)


def test_defaults_decode_the_generated_codes():
    at = open_page(PAGE, SMALL)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    captions = _captions(at)
    assert len(captions) == 5, captions  # every decoder
    assert captions[0].startswith("**2 codes**") and "decode rate **1.00**" in captions[0]  # zxing: both
    table = _table(at)
    zxing = table[table["decoder"] == "zxing-cpp"]
    assert set(zxing["text"]) == {BOOK_PAYLOAD, BOOK_ISBN}  # the Bengali text round-trips
    assert set(zxing["type"]) == {"QR Code", "EAN-13"}
    assert "Check digit 4 added" in " ".join(i.value for i in at.info)
    assert {"zxing-cpp", "WeChat QR (opencv-contrib)"} <= set(image_captions(at))
    assert any("Traditional detector" in c for c in captions)


def test_page_loads_no_heavy_libraries():
    assert heavy_imports(PAGE, SMALL) == set()


def test_wrong_check_digit_and_too_long_payload_are_messages():
    at = open_page(PAGE, {**SMALL, "qr.gen.qr.version": "1"})
    at.text_input(key="qr.gen.ean.digits").set_value("9789389898645").run()
    assert not at.exception, at.exception
    messages = " ".join(errors(at))
    assert "should be 4" in messages
    assert "needs version" in messages  # the book's string does not fit a version-1 code
    assert all(c.startswith("**No code found**") for c in _captions(at))  # nothing pasted, nothing read


def test_robustness_tab_draws_decode_rate_curves():
    at = open_page(PAGE, SMALL)
    at = open_tab(at, "qr.tab", "Robustness")
    at.multiselect(key="qr.robust.decoders").set_value(["zxing"])
    at.multiselect(key="qr.robust.symbols").set_value(["QR L", "QR H"]).run()
    at.button(key="qr.robust.run").click().run()
    assert not at.exception, at.exception
    at.button(key="qr.robust.run").click().run()  # again: the same settings come from the cache
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    charts = [c for c in at.get("plotly_chart") if "decode rate" in c.proto.spec]
    assert charts, "no decode-rate figure"
    frame = next(d.value for d in at.dataframe if "decode_rate" in d.value.columns)
    rates = frame.set_index(["symbol", "value"])["decode_rate"]
    assert rates[("QR H", 15.0)] >= rates[("QR L", 15.0)]


def test_upload_mode_without_a_code_says_no_code_found():
    at = open_page(PAGE, {"qr.scene": "Upload or camera", "qr.max_side": "256"})
    assert not at.exception, at.exception
    captions = _captions(at)
    assert len(captions) == 5 and all(c.startswith("**No code found**") for c in captions), captions


def test_export_snippet_rebuilds_the_scene_and_decodes_it():
    import contextlib
    import io

    at = open_page(PAGE, {**SMALL, "qr.methods": ["zxing"]})
    open_tab(at, "qr.tab", "Export")
    assert not at.exception, at.exception
    snippet = next(c.value for c in at.code if "make_qr(" in c.value and "zxing" in c.value)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet, "<export>", "exec"), {})
    assert "2 codes · decode rate 1.00" in printed.getvalue(), printed.getvalue()
