"""Faces: NMF parts, a Gabor filter bank, face identification (LBPH, Gabor + random forest, Gabor + 2-NN)
on held-out faces, and Haar / LBP cascade face and eye detection."""
import numpy as np
import streamlit as st

import ui
from core.image import digest
from core.registry import DETECT_FACES, RECOGNIZE_FACES, methods_for
from ui.panels import faces

ui.header("Faces", "Detect faces and eyes, identify people from held-out photos, and look at faces through NMF "
       "parts and Gabor filters.", "Chapter 6 (§6.2–6.4)")
choice = ui.pick_image(key="fc", default="astronaut", gray_default=False)

st.sidebar.header("Identities for recognition")
IDS = ["Synthetic (from lfw_subset)", "Upload a zip"]
ids = st.sidebar.radio("Identity set", IDS, key="fc.ids", bind="query-params")
face_set, set_error, upload_missing = None, None, False
if ids == IDS[0]:
    n_ids = st.sidebar.slider("Identities", 2, 30, 10, key="fc.n_ids", bind="query-params")
    per_id = st.sidebar.slider("Images per identity", 4, 30, 12, key="fc.per_id", bind="query-params")
    strength = st.sidebar.slider("Augmentation strength", 0.25, 2.0, 1.5, 0.25, key="fc.strength",
                                 bind="query-params", help="How far each image is varied from its source photo.")
    set_seed = st.sidebar.number_input("Seed", 0, 999, 0, key="fc.set_seed", bind="query-params")
    face_set = faces.synthetic_set(n_ids, per_id, strength, int(set_seed))
    set_recipe = ("from core.face_sets import synthetic_identities\n"
                  f"face_set = synthetic_identities(identities={n_ids}, per_identity={per_id}, strength={strength}, "
                  f"seed={set_seed})")
else:
    upload = st.sidebar.file_uploader("Zip: one folder of face images per person", type=["zip"], key="fc.zip")
    crop = st.sidebar.toggle("Crop each image to its face (Haar)", value=False, key="fc.crop",
                             help="For photos that are not face crops already.")
    st.sidebar.download_button("Example zip (3 synthetic people)", faces.example_zip(), "faces_example.zip",
                               mime="application/zip", key="fc.example", icon=":material/download:")
    upload_missing = upload is None
    if upload is None:
        set_error = "Upload a zip with one folder per person (the folder name is the person's label)."
    else:
        data = upload.getvalue()
        face_set, set_error = faces.zip_set(digest(np.frombuffer(data, np.uint8)), crop, data)
        set_recipe = "from core.face_sets import load_identity_zip\n" + f"face_set = load_identity_zip(open({upload.name!r}, 'rb').read(), crop_faces={crop})"
        set_error = set_error and f"Could not use “{upload.name}”: {set_error}"

detect, recognise, nmf, gabor = ui.lazy_tabs([":material/face: Detection", ":material/badge: Recognition",
                                            ":material/grid_view: NMF parts", ":material/waves: Gabor bank"],
                                           key="fc.tab")  # only the open tab runs
if detect.open:
    with detect:
        ui.method_cards(methods_for(DETECT_FACES))
        st.caption(f"Input: **{choice.name}**. OpenCV's bundled frontal-face and eye cascades (Haar), and "
                   "scikit-image's bundled LBP face cascade.")
        ui.compare(DETECT_FACES, {"image": choice.image}, recipe=choice.code, defaults=["haar_face", "lbp_skimage"],
                   key="fc.det", label="Detectors to compare")

if recognise.open:
    with recognise:
        ui.method_cards(methods_for(RECOGNIZE_FACES))
        if set_error and upload_missing:
            st.info(set_error, icon=":material/folder_zip:")
        elif set_error:
            st.error(set_error)
        if face_set is not None:
            if face_set.synthetic:
                st.warning("**Synthetic identities.** No bundled data set has several photos per person, so each "
                           "identity here is ONE lfw_subset photo, varied by random rotation, scale, shift, flip, "
                           "gamma, contrast, blur and noise. Real people vary far more (pose, age, expression, "
                           "lighting): read the accuracies below as optimistic. Upload a zip for real identities.",
                           icon=":material/science:")
            faces.identity_overview(face_set)
            st.caption("Each method trains on one part of every identity's images and is scored on the held-out rest.")
            ui.compare(RECOGNIZE_FACES, {"faces": face_set.faces, "labels": face_set.labels}, recipe=set_recipe,
                       variables={"faces": "face_set.faces", "labels": "face_set.labels"},
                       defaults=["lbph", "gabor_rf", "gabor_knn"], key="fc.rec", label="Recognisers to compare",
                       cells=faces.RECOGNITION_CELLS)

if nmf.open:
    with nmf:
        faces.nmf_panel(key="fc.nmf")

if gabor.open:
    with gabor:
        st.caption(f"A bank of Gabor kernels at one wavelength and several orientations, applied to **{choice.name}** "
                   "(at most 256 px). Face identification above uses a bank of 5 wavelengths × 8 orientations.")
        faces.gabor_panel(choice.image, key="fc.gabor")
