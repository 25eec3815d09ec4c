"""Drawing what segmentation methods need (scribbles, a rectangle, seed points, a reference mask) on
the canvas, with automatic stand-ins made from a known mask so a page shows results at once."""
from __future__ import annotations

import numpy as np
import streamlit as st

from core.segmentation.overlay import SCRIBBLE_HEX
from core.segmentation.synthetic import reference_for_sample, rect_from_mask, scribbles_from_mask, seeds_from_mask
from ui.canvas import mask_canvas, point_canvas, rect_canvas, scribble_canvas

LABEL_NAMES = {1: "1 · background", 2: "2 · object", 3: "3 · object", 4: "4 · object"}
TOOLS = {"scribbles": "Scribbles / markers", "rect": "Rectangle", "seeds": "Seed points"}


def reference_mask(image: np.ndarray, name: str, *, key: str) -> tuple[np.ndarray | None, str]:
    """The known mask of a synthetic sample, else one the user may draw (sidebar expander).
    Returns (mask or None, Python that rebuilds it for the export snippet)."""
    known = reference_for_sample(name, image.shape)
    if known is not None:
        st.sidebar.success("This sample has a known ground-truth mask: every result is scored against it.")
        return known, f"reference = reference_for_sample({name!r}, image.shape)"
    with st.sidebar.expander("Reference mask (optional)", icon=":material/ink_highlighter:"):
        st.caption("Paint over the object to score results with IoU and Dice against your mask.")
        drawn = mask_canvas(image, key=f"{key}.reference", brush=st.slider("Brush", 5, 60, 25, key=f"{key}.rbrush"),
                            max_width=300)
    if drawn.any():
        return drawn, 'reference = np.load("reference.npy")  # your drawn mask'
    return None, ""


def _label_picker(key: str) -> int:
    return st.radio("Brush label", list(LABEL_NAMES), format_func=LABEL_NAMES.get, horizontal=True,
                    key=f"{key}.label", help="Label 1 marks background; 2 (and 3, 4 for more objects) mark objects.")


def drawing_tools(image: np.ndarray, *, key: str, reference: np.ndarray | None,
                  tools: tuple[str, ...] = ("scribbles", "rect", "seeds")) -> dict:
    """Tabs with one canvas per tool. Returns {"scribbles", "rect", "seeds"} (None where nothing is given).

    When a reference mask is known, an 'automatic input' toggle fills every tool the user has not drawn
    with scribbles/rectangle/seeds made from it, so the comparison runs without any drawing."""
    auto = False
    if reference is not None:
        auto = st.toggle("Automatic input from the known mask where you have not drawn", value=True,
                         key=f"{key}.auto", help="Synthetic scribbles (a cross inside each object, a ring around "
                         "them), the bounding box plus a margin, and one seed per object. Draw to override.")
    out: dict = {}
    tabs = st.tabs([TOOLS[t] for t in tools])
    for tab, tool in zip(tabs, tools):
        with tab:
            if tool == "scribbles":
                c1, c2 = st.columns([3, 1])
                with c2:
                    label = _label_picker(key)
                    brush = st.slider("Brush width", 2, 30, 8, key=f"{key}.brush")
                    for number, color in zip(LABEL_NAMES, SCRIBBLE_HEX):
                        st.markdown(f"<span style='color:{color}'>■</span> {LABEL_NAMES[number]}",
                                    unsafe_allow_html=True)
                with c1:
                    drawn = scribble_canvas(image, key=f"{key}.scribbles", label=label, colors=SCRIBBLE_HEX,
                                            brush=brush)
                out["scribbles"] = drawn if drawn.any() else None
            elif tool == "rect":
                st.caption("Drag a box around the object (the last box drawn counts).")
                out["rect"] = rect_canvas(image, key=f"{key}.rect")
            else:
                st.caption("Click inside the object(s) to place seeds.")
                seeds = point_canvas(image, key=f"{key}.seeds")
                out["seeds"] = seeds or None
    if auto:
        makers = {"scribbles": scribbles_from_mask, "rect": rect_from_mask, "seeds": seeds_from_mask}
        used = []
        for tool in tools:
            if out.get(tool) is None:
                out[tool] = makers[tool](reference)
                used.append(TOOLS[tool].lower())
        if used:
            st.caption(f"Using automatic {', '.join(used)} from the known mask (draw to replace).")
    return out
