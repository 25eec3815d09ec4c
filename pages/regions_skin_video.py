"""Regions, skin & video: connected components, skin classifiers trained on your strokes, Gaussian-mixture
background subtraction in video, and autoencoder outliers on digits (book Chapter 4)."""
import importlib

import streamlit as st

import ui
from core.registry import BACKGROUND_SUBTRACTION, COMPONENTS, OUTLIERS, SKIN, methods_for

# (tab label, task, "module:function" drawing the section, cards title, one line on where it comes from)
SECTIONS = [
    ("Connected components", COMPONENTS, "ui.panels.regions:components_section",
     "About connected-component labelling",
     "Book §4.2 and exercise 4.Q3: threshold, close small gaps, drop border regions, label, then measure each "
     "region. The three libraries should agree once their connectivity matches."),
    ("Skin detection", SKIN, "ui.panels.skin:skin_section", "About the skin classifiers",
     "Book §4.1. The book trains on a downloaded table and then predicts from the luma column alone, which the "
     "models never saw; here your strokes train every model, the same colour features are used to train and to "
     "predict, and accuracy is measured on held-out strokes."),
    ("Video foreground", BACKGROUND_SUBTRACTION, "ui.panels.video:video_section", "About the background models",
     "Book §4.3 (the book's corridor clip is not available): a synthetic clip with known masks scores every "
     "model frame by frame, or upload your own video."),
    ("Outliers (autoencoder)", OUTLIERS, "ui.panels.outliers:outliers_section", "About the reconstruction models",
     "Book §4.7 uses H2O on MNIST (a Java server and a download). Here a scikit-learn network learns to copy "
     "8×8 digits through a bottleneck; the worst-copied digits are the outliers."),
]

ui.header("Regions, skin & video",
       "Label connected regions and measure them; train skin classifiers on strokes you paint; separate moving "
       "objects from the background of a video; find odd digits with an autoencoder.", "Chapter 4")
# Tabs bound to the URL run lazily: only the open section computes (and fills the sidebar).
tabs = st.tabs([label for label, *_ in SECTIONS], key="rsv.section", bind="query-params")
for tab, (label, task, target, cards_title, origin) in zip(tabs, SECTIONS):
    with tab:
        if tab.open:
            module, function = target.split(":")
            ui.method_cards(methods_for(task), title=cards_title)
            st.caption(origin)
            getattr(importlib.import_module(module), function)()
