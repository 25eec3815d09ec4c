"""Face verification (book §8.4): are two photos the same person? dlib's 128-D ResNet embedding against LBP and
pixel baselines, on one pair (uploads or the camera) or over labelled pairs with ROC curves."""
import numpy as np
import streamlit as st

import ui
from core.image import digest
from core.registry import VERIFY_FACES, methods_for
from core.verification.faces import DETECTORS
from ui.panels import verification as fv

ui.header("Face verification", "Two photos in, one question out: the same person? Faces are found (dlib's HOG "
          "detector or MTCNN), aligned on five landmarks and compared by the distance between their descriptors, "
          "against a threshold.", "Chapter 8 (§8.4)")
st.caption(fv.PRIVACY)

pair_tab, sets_tab, set_tab = ui.lazy_tabs([":material/compare: A pair of photos", ":material/groups: Two sets of photos",
                                            ":material/ssid_chart: Labelled pairs (ROC)"], key="fv.tab")

if pair_tab.open:
    with pair_tab:
        ui.method_cards(methods_for(VERIFY_FACES))
        finder = st.radio("Face finder for the preview and the crops", DETECTORS, horizontal=True, key="fv.finder",
                          bind="query-params", help="Each method has its own finder setting too (in its panel).")
        left, right = st.columns(2)
        with left:
            photo_a = fv.photo_picker("Photo A", key="fv.a", first=True)
        with right:
            photo_b = fv.photo_picker("Photo B", key="fv.b", first=False)
        faces, codes = {}, []
        for column, photo, label in ((left, photo_a, "photo A"), (right, photo_b, "photo B")):
            with column:
                if photo.error:
                    (st.info if photo.image is None and not photo.name else st.error)(photo.error)
                else:
                    var = label[-1].lower()
                    faces[label], cropped = fv.face_choice(photo, finder, key=f"fv.{var}", label=label)
                    codes += [photo.code.format(var=var)] + ([cropped.format(var=var)] if cropped else [])
        if photo_b.synthetic:
            st.warning("**Synthetic second photo.** No bundled data set holds two photos of one real person, so "
                       "photo B is the astronaut photo itself, changed by an augmentation. Upload two photos of one "
                       "person (or use the camera) for a real test.", icon=":material/science:")
        if len(faces) == 2:
            a, b = faces["photo A"], faces["photo B"]
            fv.chips_row(a, b, finder)
            def identity(photo):
                name = photo.name
                return "astronaut" if name.startswith("astronaut") else name if name.startswith("lfw_subset") else None

            known = [identity(photo_a), identity(photo_b)]
            if None in known:
                answer = st.radio("Are they the same person? (optional: scores the verdicts)",
                                  ["I don't say", "Same person", "Different people"], horizontal=True,
                                  key="fv.truth")
                truth = None if answer == "I don't say" else np.array([answer == "Same person"])
            else:
                truth = np.array([known[0] == known[1]])
                st.caption(f"Truth for these samples: **{'the same person' if truth[0] else 'different people'}**.")
            truth_line = "truth = None" if truth is None else f"truth = np.array([{bool(truth[0])}])"
            ui.compare(VERIFY_FACES, {"faces_a": [a], "faces_b": [b]}, truth=truth, key="fv.pair",
                       defaults=["dlib_resnet", "lbp_chi2", "pixels"], label="Methods to compare",
                       cells=fv.PAIR_CELLS,
                       recipe="\n".join(["import numpy as np", *codes, truth_line]),
                       variables={"faces_a": "[a]", "faces_b": "[b]"})

if set_tab.open:
    with set_tab:
        SOURCES = ["Synthetic pairs (from lfw_subset)", "Upload a zip (one folder per person)"]
        source = st.radio("Pairs", SOURCES, horizontal=True, key="fv.set_source", bind="query-params")
        pairs, error, recipe = None, None, ""
        if source == SOURCES[0]:
            c1, c2, c3 = st.columns(3)
            n_ids = c1.slider("Identities", 4, 30, 12, key="fv.n_ids", bind="query-params")
            strength = c2.slider("Augmentation strength", 0.25, 2.0, 1.0, 0.25, key="fv.strength",
                                 bind="query-params", help="How far each image is varied from its source photo.")
            seed = int(c3.number_input("Seed", 0, 99, 0, key="fv.seed", bind="query-params"))
            pairs = fv.synthetic_set(n_ids, strength, seed)
            recipe = ("from core.verification.pairs import synthetic_pairs\n"
                      f"pairs = synthetic_pairs(identities={n_ids}, strength={strength}, seed={seed})")
            st.warning("**Synthetic pairs.** Each identity is ONE lfw_subset photo (25×25, enlarged), and a "
                       "same-person pair is two random augmentations of it (rotation, scale, shift, flip, gamma, "
                       "contrast, blur, noise). Real people vary far more (pose, age, expression, lighting): read "
                       "these figures as optimistic. These blurry, enlarged 25-pixel faces also sit closer together "
                       "than real photos: at dlib's 0.6 some different people are accepted, while the ranking (ROC "
                       "AUC) stays near perfect. Upload a zip for real pairs.", icon=":material/science:")
        else:
            c1, c2 = st.columns([3, 1])
            upload = c1.file_uploader("Zip: one folder of face photos per person (the folder name is the person)",
                                      type=["zip"], key="fv.zip")
            max_pairs = c2.select_slider("Pairs at most", [20, 40, 80, 120, 200], 80, key="fv.max_pairs")
            c2.download_button("Example zip", fv.example_zip(), "verification_example.zip", mime="application/zip",
                               key="fv.example", icon=":material/download:")
            if upload is None:
                st.info("Upload a zip with at least two people and two photos of someone. Same-person pairs and as "
                        "many different-person pairs are drawn from it.", icon=":material/folder_zip:")
            else:
                data = upload.getvalue()
                pairs, error = fv.zip_set(digest(np.frombuffer(data, np.uint8)), max_pairs, data)
                recipe = ("from core.verification.pairs import load_pair_zip\n"
                          f"pairs = load_pair_zip(open({upload.name!r}, 'rb').read(), max_pairs={max_pairs})")
                if error:
                    st.error(f"Could not use “{upload.name}”: {error}")
        if pairs is not None:
            fv.pairs_overview(pairs)
            ui.compare(VERIFY_FACES, {"faces_a": pairs.faces_a, "faces_b": pairs.faces_b}, truth=pairs.same,
                       key="fv.set", defaults=["dlib_resnet", "lbp_chi2", "pixels"], label="Methods to compare",
                       cells=fv.SET_CELLS, recipe=recipe,
                       variables={"faces_a": "pairs.faces_a", "faces_b": "pairs.faces_b"}, truth_code="pairs.same")

if sets_tab.open:
    with sets_tab:
        st.caption("Every photo of set A is compared with every photo of set B (at most "
                   f"{fv.MAX_SET} each); in each photo the face with the best detector score is used.")
        SET_SOURCES = ["Samples", "Upload photos"]
        source = st.radio("Photos", SET_SOURCES, horizontal=True, key="fv.sets_source", bind="query-params")
        if source == SET_SOURCES[0]:
            set_a, set_b = fv.sample_sets()
            def who(photo):
                return "astronaut" if photo.name.startswith("astronaut") else photo.name

            truth = np.array([who(a) == who(b) for a in set_a for b in set_b])
            st.warning("**Partly synthetic.** The astronaut's other photos are augmentations of the same one; B3 is "
                       "another person (an enlarged lfw_subset face). Upload your own sets for a real test.",
                       icon=":material/science:")
        else:
            c1, c2 = st.columns(2)
            with c1:
                set_a, problems_a = fv.set_uploader("Set A", key="fv.sets_a")
            with c2:
                set_b, problems_b = fv.set_uploader("Set B", key="fv.sets_b")
            for problem in problems_a + problems_b:
                st.error(problem)
            answer = st.radio("Sets A and B show (optional: scores the verdicts)",
                              ["I don't say", "the same person", "different people"], horizontal=True,
                              key="fv.sets_truth")
            truth = None if answer == "I don't say" or not set_a or not set_b else \
                np.full(len(set_a) * len(set_b), answer == "the same person")
        if not set_a or not set_b:
            st.info("Upload at least one photo to each set.", icon=":material/photo_library:")
        else:
            fv.set_strip(set_a, f"Set A: {len(set_a)} photo(s)")
            fv.set_strip(set_b, f"Set B: {len(set_b)} photo(s)")
            faces_a = [a.image for a in set_a for _ in set_b]
            faces_b = [b.image for _ in set_a for b in set_b]
            comparison_view = ([a.name for a in set_a], [b.name for b in set_b])
            ui.compare(VERIFY_FACES, {"faces_a": faces_a, "faces_b": faces_b}, truth=truth, key="fv.sets",
                       defaults=["dlib_resnet", "lbp_chi2", "pixels"], label="Methods to compare",
                       cells=fv.sets_cells(comparison_view), recipe=fv.sets_recipe(set_a, set_b, truth),
                       variables={"faces_a": "faces_a", "faces_b": "faces_b"})
