"""Superpixels & graphs: SLIC, Felzenszwalb and quickshift superpixels, then normalized cut, hierarchical
merging and a threshold cut on their region adjacency graph, with boundary overlays, counts and times."""
import streamlit as st

import ui
from core.registry import SUPERPIXELS, methods_for
from ui.panels import segmentation

DEFAULT_METHODS = ["slic", "felzenszwalb", "ncut", "rag_merge"]

ui.header("Superpixels & graphs",
       "Over-segment an image into superpixels, then merge them on a region adjacency graph (RAG) with a "
       "normalized cut, hierarchical merging or a threshold cut. Compare boundaries, segment counts and times.",
       "Chapter 3")
choice = ui.pick_image(key="sp", default="astronaut", gray_default=False)
image = choice.image
reference, reference_code = ui.reference_mask(image, choice.name, key="sp")
ui.method_cards(methods_for(SUPERPIXELS))
st.caption("Yellow lines are segment boundaries. With a reference mask, IoU/Dice score the best mask that can be "
           "assembled from each method's segments (each segment goes wherever most of its pixels are): a measure "
           "of how well the boundaries follow the object. Normalized cut is capped at 300 superpixels: the "
           "book's 400 take 6–31 s and can fail to converge.")
comparison = ui.compare(SUPERPIXELS, {"image": image}, truth=reference, truth_code="reference",
                        recipe="\n".join(x for x in (choice.code, reference_code) if x), defaults=DEFAULT_METHODS,
                        key="sp")
if comparison.ok:
    st.subheader("Segments in their mean colour")
    segmentation.mean_colour_row(image, comparison.ok, what="segment")
    maps = {r.method.label: r.image for r in comparison.ok}
    st.plotly_chart(ui.cached_figure(segmentation.segment_size_histogram, maps), width="stretch", key="sp.sizes")
