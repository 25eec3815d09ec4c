"""Barcodes & QR codes: generate a QR code and an EAN-13, paste them into a photo with a perspective warp, and read
them back with five decoders side by side; decode rate against noise, blur, rotation, scale, perspective and
occlusion."""
import streamlit as st

import ui
from core.registry import DECODE_CODES, methods_for
from ui.panels import codes

KEY = "qr"
ui.header("Barcodes & QR codes", "Generate codes, paste them into a photo, and compare how five decoders read "
          "them: what they find, how fast, and how much damage each error-correction level survives.",
          "Chapter 8 (§8.5)")

SCENES = ["Generated codes in a photo (payloads known)", "Upload or camera"]
scene_kind = st.sidebar.radio("Scene", SCENES, key=f"{KEY}.scene", bind="query-params",
                              help="Generated: the payloads pasted are the truth. Upload or camera: your photo.")
if scene_kind == SCENES[0]:
    scene = codes.generated_scene(key=f"{KEY}.gen")
    image, truth, recipe = scene.image, scene.truth, scene.recipe
    codes.show_codes(scene, key=f"{KEY}.gen")
else:
    choice = ui.pick_image(key=KEY, default="astronaut", gray_default=False)
    image, recipe, truth = choice.image, choice.code, None
    expected = st.sidebar.text_area("Payloads you expect (one per line, optional)", key=f"{KEY}.expected",
                                    help="Then the decode rate and false decodes are measured against them.")
    if expected.strip():
        truth = [line for line in expected.splitlines() if line.strip()]
        recipe += f"\ntruth = {truth!r}"
    st.caption(f"Input: **{choice.name}**, {image.shape[1]}×{image.shape[0]} px. Decoders read gray levels; "
               "a code should span at least ~2 px per module.")

ui.method_cards(methods_for(DECODE_CODES))
st.subheader("Decoders side by side")
ui.compare(DECODE_CODES, {"image": image}, truth=truth, recipe=recipe,
           defaults=["zxing", "opencv_qr", "opencv_qr_aruco", "opencv_barcode", "wechat"], key=KEY,
           label="Decoders to compare", cells=codes.CODE_CELLS,
           tabs=(ui.Tab(":material/monitoring: Robustness", lambda c: codes.robustness_tab(c, key=f"{KEY}.robust")),))
codes.wechat_models_panel(key=f"{KEY}.wechat")
