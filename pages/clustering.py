"""Clustering & mean shift: k-means, Gaussian mixtures, spectral clustering, mean shift and Mahalanobis
distance to patches you draw, with each cluster's colour and size."""
import streamlit as st

import ui
from core.clustering import patches_from_mask, patches_from_rects
from core.registry import CLUSTER, methods_for
from core.segmentation.overlay import draw_inputs
from ui.panels import segmentation

DEFAULT_METHODS = ["kmeans", "gmm", "mean_shift", "mahalanobis"]

ui.header("Clustering & mean shift",
       "Group pixels by colour (and optionally position) with k-means, a Gaussian mixture, spectral clustering "
       "and mean shift, or by their Mahalanobis distance to reference patches you draw.", "Chapter 3")
choice = ui.pick_image(key="cl", default="synthetic objects", gray_default=False)
image = choice.image
reference, reference_code = ui.reference_mask(image, choice.name, key="cl")
ui.method_cards(methods_for(CLUSTER))

with st.expander("Reference patches for the Mahalanobis method", expanded=False, icon=":material/crop_free:"):
    st.caption("Drag one rectangle on each kind of region (class 1 = the first rectangle, 2 = the second, ...).")
    c1, c2 = st.columns(2)
    with c1:
        rects = ui.rects_canvas(image, key="cl.patches", max_width=420)
    patches = patches_from_rects(image.shape, rects) if rects else None
    patch_code = ("from core.clustering import patches_from_rects\n"
                  f"patches = patches_from_rects(image.shape, {rects})") if rects else ""
    if patches is None and reference is not None:
        patches = ui.memo(patches_from_mask, reference)
        patch_code = "from core.clustering import patches_from_mask\npatches = patches_from_mask(reference)"
        c2.caption("No rectangle yet: using two automatic patches from the known mask.")
    if patches is not None:
        c2.image(draw_inputs(image, scribbles=patches), caption="Patches (colour = class)", width="stretch")

comparison = ui.compare(CLUSTER, {"image": image, "patches": patches}, truth=reference, truth_code="reference",
                        recipe="\n".join(x for x in (choice.code, reference_code, patch_code or "patches = None") if x),
                        defaults=DEFAULT_METHODS, key="cl")
ok = comparison.ok
if ok:
    st.subheader("Cluster colours and sizes")
    st.caption("Each bar segment is one cluster, drawn in its mean colour, as wide as its share of the image.")
    maps = {r.method.label: r.image for r in ok}
    st.plotly_chart(ui.cached_figure(segmentation.cluster_composition, image, maps), width="stretch", key="cl.composition")
    segmentation.mean_colour_row(image, ok)
    scatter = st.expander("Clusters in the Lab a–b colour plane (book Figure 3.15)", icon=":material/bubble_chart:",
                          key="cl.scatter.open", on_change="rerun")  # drawn only while open
    if scatter.open:
        with scatter:
            chosen = st.selectbox("Method", list(maps), key="cl.scatter")
            st.plotly_chart(ui.cached_figure(segmentation.cluster_scatter, image, maps[chosen]), width="stretch",
                            key="cl.scatter.chart")
            st.caption("A random sample of 3000 pixels. Clusters that look split in a–b are told apart by "
                       "lightness L (or by position with a +xy feature space).")
