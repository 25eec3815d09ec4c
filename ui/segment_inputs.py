"""Drawing what segmentation methods need (scribbles, a rectangle, seed points, a reference mask) on
the canvas, with automatic stand-ins made from a known mask so a page shows results at once."""
from __future__ import annotations

import numpy as np
import streamlit as st

from core.image import digest
from core.segmentation.overlay import SCRIBBLE_HEX
from core.segmentation.synthetic import reference_for_sample, rect_from_mask, scribbles_from_mask, seeds_from_mask
from ui.canvas import mask_canvas, point_canvas, rect_canvas, scribble_canvas

LABEL_NAMES = {1: "1 · background", 2: "2 · object", 3: "3 · object", 4: "4 · object"}
TOOLS = {"scribbles": "Scribbles / markers", "rect": "Rectangle", "seeds": "Seed points"}


@st.cache_data(max_entries=16, show_spinner=False)
def _automatic(tool: str, reference_digest: str, _reference: np.ndarray):
    makers = {"scribbles": scribbles_from_mask, "rect": rect_from_mask, "seeds": seeds_from_mask}
    return makers[tool](_reference)


def reference_mask(image: np.ndarray, name: str, *, key: str) -> tuple[np.ndarray | None, str]:
    """The known mask of a synthetic sample, else one the user may draw (sidebar expander).
    Returns (mask or None, Python that rebuilds it for the export snippet)."""
    known = reference_for_sample(name, image.shape)
    if known is not None:
        st.sidebar.success("This sample has a known ground-truth mask: every result is scored against it.")
        return known, ("from core.segmentation.synthetic import reference_for_sample\n"
                       f"reference = reference_for_sample({name!r}, image.shape)")
    with st.sidebar.expander("Reference mask (optional)", icon=":material/ink_highlighter:"):
        st.caption("Paint over the object to score results with IoU and Dice against your mask.")
        drawn = mask_canvas(image, key=f"{key}.reference", brush=st.slider("Brush", 5, 60, 25, key=f"{key}.rbrush"),
                            max_width=300)
    if drawn.any():
        return drawn, 'import numpy as np\nreference = np.load("reference.npy")  # your drawn mask'
    return None, ""


def drawing_tools(image: np.ndarray, *, key: str, reference: np.ndarray | None,
                  tools: tuple[str, ...] = ("scribbles", "rect", "seeds")) -> dict:
    """One canvas per tool, side by side. Returns {"scribbles", "rect", "seeds"} (None where nothing is given)
    and "auto": the tools filled in from the known mask.

    When a reference mask is known, an 'automatic input' toggle fills every tool the user has not drawn
    with scribbles/rectangle/seeds made from it, so the comparison runs without any drawing."""
    auto = False
    if reference is not None:
        auto = st.toggle("Automatic input from the known mask where you have not drawn", value=True,
                         key=f"{key}.auto", bind="query-params",
                         help="Synthetic scribbles (a cross inside each object, a ring around "
                         "them), the bounding box plus a margin, and one seed per object. Draw to override.")
    out: dict = {}
    # Side by side, not in tabs: a canvas mounted in a hidden tab gets a wrong offset and misplaces strokes.
    width = 340 if len(tools) > 2 else 480
    for column, tool in zip(st.columns(len(tools)), tools):
        with column:
            st.markdown(f"**{TOOLS[tool]}**")
            if tool == "scribbles":
                label = st.radio("Brush label", list(LABEL_NAMES), format_func=LABEL_NAMES.get, horizontal=True,
                                 key=f"{key}.label", help="Label 1 marks background; 2 (and 3, 4 for more objects) "
                                 "mark objects.")
                brush = st.slider("Brush width", 2, 30, 8, key=f"{key}.brush")
                drawn = scribble_canvas(image, key=f"{key}.scribbles", label=label, colors=SCRIBBLE_HEX,
                                        brush=brush, max_width=width)
                st.markdown(" ".join(f"<span style='color:{color}'>■</span> {LABEL_NAMES[number]}"
                                     for number, color in zip(LABEL_NAMES, SCRIBBLE_HEX)), unsafe_allow_html=True)
                out["scribbles"] = drawn if drawn.any() else None
            elif tool == "rect":
                st.caption("Drag a box around the object (the last box drawn counts).")
                out["rect"] = rect_canvas(image, key=f"{key}.rect", max_width=width)
            else:
                st.caption("Click inside the object(s) to place seeds.")
                seeds = point_canvas(image, key=f"{key}.seeds", max_width=width)
                out["seeds"] = seeds or None
    if auto:
        used = []
        for tool in tools:
            if out.get(tool) is None:
                out[tool] = _automatic(tool, digest(reference), reference)
                used.append(TOOLS[tool].lower())
                out["auto"] = out.get("auto", ()) + (tool,)
        if used:
            st.caption(f"Using automatic {', '.join(used)} from the known mask (draw to replace).")
    return out


def inputs_recipe(extras: dict) -> str:
    """Python lines for the drawn inputs the snippet cannot write as literals (scribbles), and the imports of the
    automatic ones. Rectangles and seeds are written into the snippet's `inputs` as they are."""
    auto = tuple(extras.get("auto", ()))
    if "scribbles" in auto:
        return ("from core.segmentation.synthetic import scribbles_from_mask\n"
                "scribbles = scribbles_from_mask(reference)  # automatic input")
    if extras.get("scribbles") is not None:
        return 'import numpy as np\nscribbles = np.load("scribbles.npy")  # download it from the Export tab'
    return "scribbles = None  # nothing painted"


def foreground_mask(image: np.ndarray, *, key: str) -> tuple[np.ndarray | None, str]:
    """A foreground mask from GrabCut (rectangle, then strokes to refine) or painted by hand.
    Returns (mask or None with a message shown, a one-line description)."""
    from core.registry import get_method
    from ui.runner import run_method

    source = st.radio("Foreground mask from", ["GrabCut (rectangle + strokes)", "Draw the mask"], horizontal=True,
                      key=f"{key}.source", bind="query-params")
    if source == "Draw the mask":
        brush = st.slider("Brush", 5, 80, 30, key=f"{key}.mbrush")
        mask = mask_canvas(image, key=f"{key}.mask", brush=brush, color="#34c759")
        if not mask.any():
            st.info("Paint over the object to make the foreground mask.")
            return None, ""
        return mask, "a hand-painted mask"
    rect_column, strokes_column = st.columns(2)
    with rect_column:
        st.markdown("**1 · Rectangle**")
        st.caption("Drag a box around the object (the last box counts).")
        rect = rect_canvas(image, key=f"{key}.rect", max_width=420)
    with strokes_column:
        st.markdown("**2 · Refine with strokes**")
        c1, c2 = st.columns(2)
        label = c1.radio("Stroke", [2, 1], format_func={1: "background", 2: "object"}.get, key=f"{key}.label",
                         horizontal=True)
        iterations = c2.slider("GrabCut iterations", 1, 10, 3, key=f"{key}.iterations")
        strokes = scribble_canvas(image, key=f"{key}.strokes", label=label, colors=SCRIBBLE_HEX, brush=10,
                                  max_width=420)
    described = "GrabCut"
    if rect is None:
        height, width = image.shape[:2]
        rect = (width // 10, height // 20, width * 7 // 10, height * 9 // 10)
        st.caption("No rectangle drawn yet: GrabCut starts from a centred box (draw your own for a better mask).")
        described = "GrabCut from a centred box"
    grabcut = get_method("segment", "grabcut")
    result = run_method(grabcut, (image, rect, strokes if strokes.any() else None), {"iterations": iterations},
                        show_progress=True)
    if not result.ok:
        st.error(result.error)
        return None, ""
    if not result.image.any():
        st.warning("GrabCut found no object in the box. Draw the box closer around the object, add object "
                   "strokes, or raise the working size (GrabCut's colour models need enough pixels).")
        return None, ""
    strokes_note = " and your strokes" if strokes.any() else ""
    return result.image, f"{described}{strokes_note} ({result.seconds:.2f} s)"
