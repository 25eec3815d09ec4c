"""Superpixels & graphs: SLIC, Felzenszwalb and quickshift superpixels, then normalized cut, hierarchical
merging and a threshold cut on their region adjacency graph, with boundary overlays, counts and times."""
import streamlit as st

from core.registry import SUPERPIXELS, methods_for
from ui.cards import method_cards
from ui.inputs import pick_image
from ui.page import header
from ui.plots import cached_figure
from ui.segment_compare import compare_segmentations
from ui.segment_inputs import reference_mask
from ui.segment_views import mean_colour_row, segment_size_histogram

DEFAULT_METHODS = ["slic", "felzenszwalb", "ncut", "rag_merge"]

header("Superpixels & graphs",
       "Over-segment an image into superpixels, then merge them on a region adjacency graph (RAG) with a "
       "normalized cut, hierarchical merging or a threshold cut. Compare boundaries, segment counts and times.",
       "Chapter 3")
choice = pick_image(key="sp", default="astronaut", gray_default=False)
image = choice.image
reference, reference_code = reference_mask(image, choice.name, key="sp")
method_cards(methods_for(SUPERPIXELS))
st.caption("Yellow lines are segment boundaries. With a reference mask, IoU/Dice score the best mask that can be "
           "assembled from each method's segments (each segment goes wherever most of its pixels are): a measure "
           "of how well the boundaries follow the object. Normalized cut is capped at 300 superpixels: the "
           "book's 400 take 6–31 s and can fail to converge.")
results = compare_segmentations(SUPERPIXELS, image, reference=reference,
                                recipe="\n".join(x for x in (choice.code, reference_code) if x),
                                defaults=DEFAULT_METHODS, key="sp", background_label=None)
if any(r.ok for r in results):
    st.subheader("Segments in their mean colour")
    mean_colour_row(image, results, what="segment")
    maps = {r.method.label: r.image for r in results if r.ok}
    st.plotly_chart(cached_figure(segment_size_histogram, maps), width="stretch", key="sp.sizes")
