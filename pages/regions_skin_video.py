"""Regions, skin & video: connected components, skin classifiers trained on your strokes, Gaussian-mixture
background subtraction in video, and autoencoder outliers on digits (book Chapter 4)."""
import streamlit as st

from core.registry import BACKGROUND_SUBTRACTION, COMPONENTS, OUTLIERS, SKIN, methods_for
from ui.cards import method_cards
from ui.page import header

SECTIONS = ["Connected components", "Skin detection", "Video foreground", "Outliers (autoencoder)"]

header("Regions, skin & video",
       "Label connected regions and measure them; train skin classifiers on strokes you paint; separate moving "
       "objects from the background of a video; find odd digits with an autoencoder.", "Chapter 4")
# Tabs bound to the URL run lazily: only the open section computes (and fills the sidebar).
tabs = st.tabs(SECTIONS, key="rsv.section", bind="query-params")

with tabs[0]:
    if tabs[0].open:
        from ui.regions_panel import components_section

        method_cards(methods_for(COMPONENTS), title="About connected-component labelling")
        st.caption("Book §4.2 and exercise 4.Q3: threshold, close small gaps, drop border regions, label, then "
                   "measure each region. The three libraries should agree once their connectivity matches.")
        components_section()

with tabs[1]:
    if tabs[1].open:
        from ui.skin_panel import skin_section

        method_cards(methods_for(SKIN), title="About the skin classifiers")
        st.caption("Book §4.1. The book trains on a downloaded table and then predicts from the luma column "
                   "alone, which the models never saw; here your strokes train every model, the same colour "
                   "features are used to train and to predict, and accuracy is measured on held-out strokes.")
        skin_section()

with tabs[2]:
    if tabs[2].open:
        from ui.video_panel import video_section

        method_cards(methods_for(BACKGROUND_SUBTRACTION), title="About the background models")
        st.caption("Book §4.3 (the book's corridor clip is not available): a synthetic clip with known masks "
                   "scores every model frame by frame, or upload your own video.")
        video_section()

with tabs[3]:
    if tabs[3].open:
        from ui.outliers_panel import outliers_section

        method_cards(methods_for(OUTLIERS), title="About the reconstruction models")
        st.caption("Book §4.7 uses H2O on MNIST (a Java server and a download). Here a scikit-learn network "
                   "learns to copy 8×8 digits through a bottleneck; the worst-copied digits are the outliers.")
        outliers_section()
