"""Image classification (book §7.1-7.2): classical classifiers and a CNN trained here on digits, MNIST,
Fashion-MNIST or a zip of your own class folders, compared side by side; draw a digit or a garment and see
every model's class probabilities."""
import streamlit as st

import ui
from core.registry import CLASSIFY, get_method, methods_for
from ui.panels import classification as cl

ui.header("Classification", "Train classifiers on labelled images and compare them on held-out test images: "
          "accuracy, per-class scores, confusion matrices, the mistakes, and how each model reads your drawing.",
          "Chapter 7 (§7.1–7.2)")
data, problem = cl.dataset_picker(key="cls")
if data is None:
    st.info(problem, icon=":material/dataset:")
    st.stop()

cl.dataset_overview(data, key="cls.overview")
ui.method_cards(methods_for(CLASSIFY))
with st.expander("Train the CNN with live curves (Keras)", icon=":material/model_training:"):
    cl.cnn_panel(get_method(CLASSIFY, "cnn"), data, methods_key="cls.methods", key="cls.cnn")
variables = {"x_train": "data.x_train", "y_train": "data.y_train", "x_test": "data.x_test"}
ui.compare(CLASSIFY, {"x_train": data.x_train, "y_train": data.y_train, "x_test": data.x_test}, truth=data.y_test,
           recipe=data.code, variables=variables, truth_code="data.y_test",
           defaults=["naive_bayes", "sgd", "random_forest"], key="cls", label="Classifiers to compare",
           cells=cl.results_cells(data, key="cls.results"),
           tabs=(ui.Tab("Draw", lambda c: cl.draw_panel(c, data=data, key="cls.draw")),
                 ui.Tab("Book figures", lambda c: cl.book_panel(c, data=data))))
