"""Corners & keypoints: Harris, Shi–Tomasi, FAST, ORB, SIFT, AKAZE and BRISK side by side."""
import streamlit as st

import ui
from core.image import to_gray
from core.registry import KEYPOINTS, methods_for
from ui.panels import keypoints

DEFAULT_METHODS = ["harris", "shi_tomasi", "orb", "sift"]


def _probe(comparison) -> None:
    harris = comparison.params.get("harris") or {"block_size": 2, "ksize": 3, "k": 0.04}
    st.caption("Uses the Harris detector's block size, aperture and k" +
               (" from its panel." if "harris" in comparison.params else " (add Harris above to tune them)."))
    keypoints.harris_probe(image, harris, key="kp.probe")


def _subpixel(comparison) -> None:
    st.caption("A checkerboard rendered at a known sub-pixel offset and angle, so every corner's true position "
               "is known (book §5.2.2). Uses the Harris + sub-pixel panel's settings when it is chosen.")
    keypoints.subpixel_panel(comparison.params.get("harris_subpix", {}), key="kp.subpix")


ui.header("Corners & keypoints", "Detect corners and scale-space keypoints, see their scale and orientation, and "
          "measure how repeatable each detector is under rotation, scaling, noise and blur.", "Chapter 5")
choice = ui.pick_image(key="kp", default="astronaut")
image = to_gray(choice.image)
ui.method_cards(methods_for(KEYPOINTS))
st.caption(f"Input: **{choice.name}**, {image.shape[1]}×{image.shape[0]}. Circles show each keypoint's scale, "
           "the radius its orientation; corner detectors have neither.")
ui.compare(KEYPOINTS, {"image": image}, recipe=f"{choice.code}\nfrom core.image import to_gray\nimage = to_gray(image)",
           defaults=DEFAULT_METHODS, key="kp", label="Detectors to compare",
           tabs=(ui.Tab(":material/ads_click: Harris probe", _probe),
                 ui.Tab(":material/center_focus_strong: Sub-pixel accuracy", _subpixel),
                 ui.Tab(":material/repeat: Repeatability",
                        lambda c: keypoints.repeatability_panel(image, c.methods, c.params, key="kp.repeat"))))
