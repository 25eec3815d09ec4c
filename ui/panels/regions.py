"""Connected-components section: binarise, label with three libraries, measure, filter by area."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from core.image import digest
from core.regions import THRESHOLDS, binarize, filter_by_area, label_overlay, region_table
from core.registry import COMPONENTS
from core.segmentation.metrics import agreement
from ui.cells import labels_png, own_grid
from ui.comparison import compare
from ui.inputs import pick_image
from ui.memo import memo
from ui.plots import cached_figure

KEY = "cc"
PROPERTIES = {"area": "Area (px)", "eccentricity": "Eccentricity", "solidity": "Solidity",
              "perimeter": "Perimeter (px)", "equivalent_diameter": "Equivalent diameter (px)",
              "mean_intensity": "Mean intensity", "orientation": "Orientation (rad)"}


def _recipe(image_code: str, options: dict) -> str:
    arguments = ", ".join(f"{k}={v!r}" for k, v in options.items())
    return f"{image_code}\nfrom core.regions import binarize\nmask, level = binarize(image, {arguments})"


@st.cache_data(max_entries=8, show_spinner=False)
def _binarized(image_digest: str, _image: np.ndarray, **options) -> tuple[np.ndarray, float]:
    return binarize(_image, **options)


@st.cache_data(max_entries=8, show_spinner=False)
def _measured(labels_digest: str, _labels: np.ndarray, _image: np.ndarray):
    """The overlay with boxes and the regionprops table (cached: a plain rerun must not redo them)."""
    return label_overlay(_image, _labels), region_table(_labels, _image)


def _binarize_controls(image: np.ndarray) -> tuple[np.ndarray, float, dict]:
    st.sidebar.header("Binarisation")
    threshold = st.sidebar.selectbox("Threshold", THRESHOLDS, key=f"{KEY}.threshold", bind="query-params",
                                     help="An automatic threshold from the histogram, or your own level.")
    level = st.sidebar.slider("Manual level", 0.0, 1.0, 0.5, 0.01, key=f"{KEY}.level",
                              disabled=threshold != "manual")
    dark = st.sidebar.toggle("Objects are darker than the background", value=False, key=f"{KEY}.dark",
                             bind="query-params")
    closing = st.sidebar.slider("Closing (square side, px)", 1, 9, 3, 2, key=f"{KEY}.closing",
                                help="Fills small gaps before labelling (1 = none). The book uses 3.")
    clear = st.sidebar.toggle("Drop regions touching the border", value=True, key=f"{KEY}.clear")
    options = dict(threshold=threshold, level=level, dark_objects=dark, closing=closing, clear_border=clear)
    return (*_binarized(digest(image), image, **options), options)


def components_section() -> None:
    choice = pick_image(key=KEY, default="coins")
    image = choice.image
    try:
        mask, value, options = _binarize_controls(image)
    except ValueError as exc:
        st.error(str(exc))
        return
    comparison = compare(COMPONENTS, {"mask": mask}, defaults=["cc_skimage", "cc_scipy", "cc_opencv"], key=KEY,
                         label="Labelling libraries to compare", recipe=_recipe(choice.code, options),
                         cells=own_grid(png=labels_png))
    ok = comparison.ok
    if not ok:
        return
    default_min = max(5, round(100 * (max(image.shape[:2]) / 512) ** 2))  # the book's 100 px, scaled
    pixels = image.shape[0] * image.shape[1]
    c1, c2 = st.columns(2)
    low = int(c1.number_input("Minimum area (px)", 0, pixels, default_min, key=f"{KEY}.min_area",
                              help="The book keeps regions of 100 px or more (at 512 px; scaled to this size)."))
    high = int(c2.number_input("Maximum area (px, 0 = no limit)", 0, pixels, 0, key=f"{KEY}.max_area"))
    high = high or None
    filtered = {r.method.label: memo(filter_by_area, r.image, min_area=low, max_area=high) for r in ok}
    first_label, first = next(iter(filtered.items()))
    left, right = st.columns([3, 2])
    overlay, table = _measured(digest(first, image), first, image)
    left.image(overlay, width="stretch",
               caption=f"{first_label}: {int(first.max())} regions kept (threshold {value:.3f})")
    with right:
        reference = ok[0].image
        st.metric("Regions kept", int(first.max()), help=f"Of {int(reference.max())} labelled by {first_label}, "
                  f"those with an area in [{low}, {high or '∞'}] px.")
        st.dataframe(pd.DataFrame([dict(method=r.method.label, connectivity=r.params["connectivity"],
                                         regions=int(r.image.max()), kept=int(filtered[r.method.label].max()),
                                         same_regions=memo(agreement, reference, r.image) == 1.0,
                                         seconds=round(r.seconds, 4)) for r in ok]),
                     hide_index=True, width="stretch")
        st.caption(f"*same_regions*: identical partition to {ok[0].method.label} (labels may be numbered "
                   "differently). SciPy and OpenCV agree with scikit-image only at the same connectivity.")
        st.image(mask, caption="Binary mask", width="stretch", clamp=True)
    if table.empty:
        st.info("No region is left: lower the minimum area or change the threshold.")
        return
    prop = st.selectbox("Histogram of", [p for p in PROPERTIES if p in table], format_func=PROPERTIES.get,
                        key=f"{KEY}.prop")
    c1, c2 = st.columns(2)
    c1.plotly_chart(cached_figure(property_histogram, table, prop), width="stretch", key=f"{KEY}.hist")
    c2.plotly_chart(cached_figure(area_scatter, table), width="stretch", key=f"{KEY}.scatter")
    st.dataframe(table.round(3), hide_index=True, width="stretch", height=260)
    st.download_button("Download the region table (CSV)", table.to_csv(index=False).encode(), "regions.csv",
                       "text/csv", key=f"{KEY}.csv")


def property_histogram(table: pd.DataFrame, prop: str):
    return px.histogram(table, x=prop, nbins=30, labels={prop: PROPERTIES[prop]},
                        title=f"{PROPERTIES[prop]} of {len(table)} regions").update_layout(height=320)


def area_scatter(table: pd.DataFrame):
    return px.scatter(table, x="area", y="eccentricity", hover_data=["label"],
                      title="Area vs eccentricity").update_layout(height=320)
