"""Pretrained networks: ImageNet classification (EfficientNet-Lite0 offline; the book's keras.applications models
with downloaded weights), Grad-CAM, and transfer learning on classes of your own."""
import numpy as np
import streamlit as st

import ui
from core.image import digest
from core.registry import CLASSIFY_IMAGENET, TRANSFER, methods_for
from ui.panels import pretrained

ui.header("Pretrained networks", "Classify a photo into the 1000 ImageNet classes, see where a network looks "
          "(Grad-CAM), and reuse its features to learn classes of your own from a few images.", "Chapter 7 (§7.3–7.4)")
choice = ui.pick_image(key="pn", default="coffee", gray_default=False)

classify, cam, transfer = ui.lazy_tabs([":material/category: ImageNet classification", ":material/visibility: Grad-CAM",
                                        ":material/school: Transfer learning"], key="pn.tab")
if classify.open:
    with classify:
        ui.method_cards(methods_for(CLASSIFY_IMAGENET))
        with st.expander("Weights of the book's models (keras.applications)", icon=":material/cloud_download:"):
            pretrained.weights_panel(key="pn.weights")
        from core.pretrained.applications import weights_state

        truth = pretrained.true_class_picker(choice.name, key="pn.cls")
        ui.compare(CLASSIFY_IMAGENET, {"image": choice.image, "weights": weights_state()}, truth=truth,
                   recipe=choice.code + '\nweights = "imagenet"', truth_code=repr(truth),
                   defaults=["efficientnet_lite0"], key="pn.cls", label="Classifiers to compare",
                   cells=pretrained.TOP5_CELLS)

if cam.open:
    with cam:
        st.caption(f"Input: **{choice.name}**. EfficientNet-Lite0 (offline weights).")
        pretrained.gradcam_panel(choice.image, key="pn.cam")

if transfer.open:
    with transfer:
        ui.method_cards(methods_for(TRANSFER))
        SETS = ["Example classes (synthetic, from bundled photos)", "Upload a zip"]
        which = st.radio("Images", SETS, horizontal=True, key="pn.set", bind="query-params")
        image_set, set_error, recipe = None, None, ""
        if which == SETS[0]:
            c1, c2 = st.columns(2)
            per_class = c1.slider("Images per class", 4, 40, 12, key="pn.per_class", bind="query-params")
            set_seed = c2.number_input("Seed", 0, 999, 0, key="pn.set_seed", bind="query-params")
            image_set = pretrained.example_set(per_class, int(set_seed))
            recipe = ("from core.pretrained.transfer import example_set\n"
                      f"image_set = example_set(per_class={per_class}, seed={set_seed})")
            st.warning("**Synthetic classes.** Each class here is ONE bundled scikit-image photo (Chelsea the cat, "
                       "the coffee cup, the rocket, the astronaut) cut into random crops with rotation, zoom, flips, "
                       "lighting, tint, blur and noise. Real classes vary far more: read the accuracies as "
                       "optimistic, and upload a zip for real ones.", icon=":material/science:")
        else:
            upload = st.file_uploader("Zip: one folder of images per class (the folder name is the class)",
                                      type=["zip"], key="pn.zip")
            st.download_button("Example zip (4 synthetic classes)", pretrained.example_zip(), "transfer_example.zip",
                               mime="application/zip", key="pn.example", icon=":material/download:")
            if upload is None:
                st.info("Upload a zip with one folder per class, a few images in each.", icon=":material/folder_zip:")
            else:
                data = upload.getvalue()
                image_set, set_error = pretrained.zip_set(digest(np.frombuffer(data, np.uint8)), data)
                recipe = ("from core.pretrained.transfer import load_class_zip\n"
                          f"image_set = load_class_zip(open({upload.name!r}, 'rb').read())")
                if set_error:
                    st.error(f"Could not use “{upload.name}”: {set_error}")
        if image_set is not None:
            pretrained.set_overview(image_set)
            st.caption("Every learner splits each class the same seeded way into training and test images; the "
                       "trained heads keep a fifth of the training images for validation (to pick the best epoch). The first "
                       "run of a set includes its feature extraction (about 0.1 s per image); later runs reuse it.")
            ui.compare(TRANSFER, {"images": image_set.images, "labels": image_set.labels,
                                  "class_names": list(image_set.names)}, recipe=recipe,
                       variables={"images": "image_set.images", "labels": "image_set.labels"},
                       defaults=["logistic", "dense_head"], key="pn.tl", label="Learners to compare",
                       cells=pretrained.TRANSFER_CELLS)
