"""Entry point: page config, navigation grouped by book chapter, and the home page."""
from __future__ import annotations

import os
import threading
import time

import streamlit as st

from core.caching import computed_on_this_thread
from ui import server as ui_server

st.set_page_config(page_title="Image Processing Method Explorer", page_icon="🔬", layout="wide")

# (chapter, [(file, title, icon, one-line description)])
TOPICS = [
    ("Chapter 1 · Restoration", [
        ("pages/denoising.py", "Denoising", ":material/grain:",
         "17 denoisers from the median to BM3D on Gaussian, impulse, shot or speckle noise."),
        ("pages/deblurring.py", "Deblurring", ":material/blur_on:",
         "Inverse, Wiener, Tikhonov, Richardson–Lucy (blind too) and BM3D on any blur kernel."),
    ]),
    ("Chapter 2 · Inpainting & learned restoration", [
        ("pages/inpainting.py", "Inpainting", ":material/healing:",
         "Generate, draw or upload a mask; Telea, Navier–Stokes, FSR, shift-map, biharmonic, k-NN and a neural painter."),
        ("pages/diffusion_sketch.py", "Diffusion & sketch", ":material/gradient:",
         "Perona–Malik diffusion (numpy and OpenCV) against a Gaussian blur, PSNR per iteration, pencil sketches."),
        ("pages/learned_restoration.py", "Learned restoration", ":material/model_training:",
         "Train denoising autoencoders in the app (TensorFlow), compare them with classical denoisers, "
         "or load your own Keras model."),
    ]),
    ("Chapters 3–4 · Segmentation", [
        ("pages/thresholding.py", "Slicing & thresholding", ":material/contrast:",
         "Gray-level slicing, bit planes, 7 global thresholds, maximum entropy and 6 local thresholds."),
        ("pages/clustering.py", "Clustering & mean shift", ":material/scatter_plot:",
         "k-means, Gaussian mixture, spectral clustering, mean shift and Mahalanobis patches, with cluster colours."),
        ("pages/superpixels.py", "Superpixels & graphs", ":material/hexagon:",
         "SLIC, Felzenszwalb, quickshift, normalized cut and hierarchical merging on a region adjacency graph."),
        ("pages/interactive_segmentation.py", "Interactive segmentation", ":material/gesture:",
         "Watershed, GrabCut, random walker, fast marching and an active contour from your strokes, box or seeds."),
        ("pages/background.py", "Background blur & replace", ":material/background_replace:",
         "Blur, replace or desaturate the background behind a GrabCut or hand-drawn foreground mask."),
        ("pages/regions_skin_video.py", "Regions, skin & video", ":material/category:",
         "Connected components with region tables, skin classifiers from your strokes, video background "
         "subtraction (MOG2, KNN) and autoencoder outliers."),
    ]),
    ("Chapters 5–6 · Features, registration & detection", [
        ("pages/keypoints.py", "Corners & keypoints", ":material/my_location:",
         "Harris, Shi–Tomasi, FAST, ORB, SIFT, AKAZE, BRISK: scale, orientation and repeatability."),
        ("pages/registration.py", "Matching & registration", ":material/join_inner:",
         "Feature matching with RANSAC/MAGSAC, ECC, B-spline, Demons, optical flow and a small VoxelMorph."),
        ("pages/panorama.py", "Panorama", ":material/panorama:",
         "OpenCV Stitcher in panorama or scans mode on synthetic views, your photos or video frames; seam error."),
        ("pages/faces.py", "Faces", ":material/face:",
         "NMF face parts, Gabor banks, LBPH and Gabor face identification, Haar face and eye detection."),
        ("pages/pedestrians.py", "Pedestrians", ":material/directions_walk:",
         "HOG + SVM people detector (raw, NMS, mean shift) against Haar body cascades: boxes, counts, times."),
    ]),
    ("Chapters 7–8 · Classification & recognition", [
        ("pages/classification.py", "Classification", ":material/category:",
         "Digits, MNIST, Fashion-MNIST or your zip: naive Bayes, SGD, random forest, k-NN, SVM, logistic, a CNN."),
        ("pages/pretrained_networks.py", "Pretrained networks", ":material/neurology:",
         "ImageNet top-5 with EfficientNet-Lite0 (offline) or the book's Keras models, Grad-CAM, transfer learning."),
        ("pages/object_detection.py", "Object detection", ":material/select_all:",
         "YOLOv3-tiny (80 COCO classes), Haar, HOG and MTCNN with labels and scores; IoU, NMS, colour splash."),
        ("pages/face_verification.py", "Face verification", ":material/how_to_reg:",
         "Same person? dlib's 128-D ResNet embedding vs LBP and pixels: verdict, threshold gauge, ROC over pairs."),
        ("pages/barcodes_qr.py", "Barcodes & QR codes", ":material/qr_code_scanner:",
         "Generate a QR code and an EAN-13, paste them into a photo, read them with five decoders; damage curves."),
    ]),
]
TOPICS = [(chapter, pages) for chapter, pages in TOPICS if pages]
# Face verification's default view loads dlib and its models into the server process, for good: not warmed.
# (The Pretrained networks page is: its default view, EfficientNet-Lite0 in numpy, needs no TensorFlow.)
NOT_WARMED = {"pages/face_verification.py"}


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Once per process: compute every other page's default view in the background (ui.warmup)."""
    pages = [entry[0] for _, entries in TOPICS for entry in entries if entry[0] not in NOT_WARMED]
    thread = threading.Thread(target=lambda: __import__("ui.warmup").warmup.warm(pages), name="ipcv-warm-up",
                              daemon=True)
    thread.start()
    return thread


def home() -> None:
    st.title("Image Processing Method Explorer")
    st.markdown(
        "Pick an image, degrade it or draw on it, and run several methods side by side: every result comes with "
        "its scores (PSNR and SSIM, IoU and Dice, error in pixels, accuracy) and its run time, a parameter sweep, "
        "a history of your runs and a Python snippet that reproduces it. "
        "The methods follow the book *Image Processing and Computer Vision Masterclass with Python* (2nd ed.), "
        "chapter by chapter, implemented with OpenCV, scikit-image, SciPy, PyWavelets and friends."
    )
    for chapter, pages in TOPICS:
        st.subheader(chapter)
        for start in range(0, len(pages), 3):
            columns = st.columns(3)
            for column, (path, title, icon, description) in zip(columns, pages[start:start + 3]):
                with column.container(border=True):
                    st.page_link(path, label=title, icon=icon)
                    st.caption(description)
    st.divider()
    st.caption("Everything runs on this server with no network access, except the few model files a page offers to "
               "download when you ask for them. Settings live in the URL, "
               "so a link reproduces what you see.")


pages = {"Overview": [st.Page(home, title="Home", icon=":material/home:", default=True)]}
for chapter, entries in TOPICS:
    pages[chapter] = [st.Page(path, title=title, icon=icon) for path, title, icon, _ in entries]
if os.environ.get("IPCV_WARM_UP", "1") != "0":  # ui.warmup.ENABLED
    warm_up()


@st.cache_resource(show_spinner=False)
def tune_server() -> threading.Thread:
    """Once per process: no per-run Keras reset, caches that know their visitors, an idle-time janitor (ui.server)."""
    return ui_server.tune()


def run_logged(page) -> None:
    """Run the page; with IPCV_RUN_LOG set, append "title, start, seconds, outcome, session id, values computed"
    (tab-separated; computed: misses of core.caching's caches) to that file for each full run (ui.page.RUN_LOG: the
    load probe's server-side timings, the runs-once test's count)."""
    log = os.environ.get("IPCV_RUN_LOG")
    if not log:
        try:
            page.run()
        finally:
            ui_server.run_finished()
        return
    thread, started, began, outcome = threading.current_thread(), time.time(), time.perf_counter(), "done"
    computed = computed_on_this_thread()
    thread.ipcv_title = ""  # ui.page.TITLE, set by ui.header
    try:
        page.run()
    except BaseException as exc:  # a rerun or stop requested mid-run, or an error: logged, then passed on
        outcome = type(exc).__name__
        raise
    finally:
        ui_server.run_finished()
        if thread.ipcv_title:
            with open(log, "a", encoding="utf-8") as file:
                file.write(f"{thread.ipcv_title}\t{started:.3f}\t{time.perf_counter() - began:.3f}\t{outcome}\t"
                           f"{ui_server.session_id() or ''}\t{computed_on_this_thread() - computed}\n")


tune_server()
threading.current_thread().ipcv_via_app = True  # ui.page.VIA_APP: this run came through here (see ui.page.header)
run_logged(st.navigation(pages))
