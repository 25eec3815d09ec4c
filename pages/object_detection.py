"""Object detection: YOLOv3-tiny (80 COCO classes), Haar cascades, HOG people and MTCNN faces side by side with
class labels and scores, scored class by class against hand-measured boxes; the IoU calculator and an NMS
explainer; and the colour splash from GrabCut, a drawn mask, a detector's boxes or a selfie segmentation."""
import streamlit as st

import ui
from core.registry import DETECT, methods_for
from core.tasks.objects import TRUTHS, truth_for
from ui.panels import objects

ui.header("Object detection", "Detectors side by side with class labels and scores, IoU and non-maximum "
          "suppression step by step, and selective colouring.", "Chapter 8 (§8.1–8.3)")
choice = ui.pick_image(key="od", default="astronaut", gray_default=False)
image = choice.image
from_gallery = choice.code.startswith("from core.gallery") and choice.name in TRUTHS
truth = truth_for(choice.name, image.shape) if from_gallery else None
truth_recipe = (f"\nfrom core.tasks.objects import truth_for\ntruth = truth_for({choice.name!r}, image.shape)"
                if truth is not None else "")
if image.ndim == 2:
    st.sidebar.info("The detectors see colour best: switch Grayscale off.")

yolo_ready = objects.yolo_status(key="od")
detect, overlap, splash = ui.lazy_tabs([":material/select_all: Detectors", ":material/join_inner: IoU & NMS",
                                        ":material/palette: Colour splash"], key="od.page")
if detect.open:
    with detect:
        ui.method_cards(methods_for(DETECT))
        st.caption(f"Input: **{choice.name}**. " + (
            "Its objects' true boxes were measured by hand, so each detector is scored class by class "
            "(precision, recall and F1 at IoU ≥ 0.5)." if truth is not None else
            "No true boxes for this image: counts, scores and times only (astronaut, chelsea and coffee have "
            "true boxes)."))
        st.caption("Not runnable here, as the book's models need downloads this app cannot have: MobileNet-SSD "
                   "(§8.1.1, Caffe), YOLOv3-Darknet-53 through GluonCV/MXNet (§8.1.2), YOLOv8 (§8.1.3, torch) and "
                   "the YOLOv4 raccoon training (§8.2, CUDA). YOLOv3-tiny stands in for them.")
        ui.compare(DETECT, {"image": image}, truth=truth, recipe=choice.code + truth_recipe,
                   defaults=["yolo_tiny", "haar", "hog_people"], key="od", label="Detectors to compare",
                   cells=objects.DETECTION_CELLS)

if overlap.open:
    with overlap:
        st.subheader("IoU calculator (exercise 8.Q4)")
        objects.iou_calculator(key="od.iou")
        st.subheader("Non-maximum suppression, step by step")
        objects.nms_explainer(image, key="od.nms", yolo_ready=yolo_ready)

if splash.open:
    with splash:
        st.caption("Colour stays inside the mask and the rest turns gray (book §8.3). The book's mask comes from "
                   "Mask R-CNN; here it comes from one of the sources below.")
        objects.splash_panel(image, key="od.splash", truth=truth, yolo_ready=yolo_ready)
