"""Views for the Matching & registration page: the moving-image controls, the result cells with errors against
the known transform, overlays, matches and deformation plots."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.image import decode_image, digest, prepare, to_gray, to_rgb
from core.registration.common import same_size
from core.registration.synthetic import KINDS, Truth, make_pair
from ui.cells import Cells, Leading
from ui.inputs import UPLOAD_TYPES
from ui.plots import _display, cached_figure, lines
from ui.runner import RunResult


@dataclass
class MovingChoice:
    image: np.ndarray
    truth: Truth | None
    description: str
    code: str  # Python lines that rebuild `fixed` and `moving` from `image` (for the export snippet)


@st.cache_data(max_entries=8, show_spinner=False)
def _pair(fixed_digest: str, kind: str, strength: float, seed: int, _fixed: np.ndarray):
    return make_pair(_fixed, kind=kind, strength=strength, seed=seed)


def moving_controls(fixed: np.ndarray, *, key: str) -> MovingChoice:
    """Sidebar: a synthetic warp of the fixed image with a known transform, or an uploaded second image."""
    sidebar = st.sidebar
    sidebar.header("Moving image")
    source = sidebar.radio("Moving image", ["Synthetic warp", "Upload"], horizontal=True, key=f"{key}.source",
                           bind="query-params", label_visibility="collapsed")
    if source == "Upload":
        upload = sidebar.file_uploader("Second image", type=UPLOAD_TYPES, key=f"{key}.upload")
        if upload is not None:
            try:
                image, _ = decode_image(upload.getvalue(), max_side=max(fixed.shape[:2]))
                image = prepare(image, gray=fixed.ndim == 2, max_side=max(fixed.shape[:2]))
                if image.shape[:2] != fixed.shape[:2]:
                    sidebar.info(f"“{upload.name}” is {image.shape[1]}×{image.shape[0]}: resized to the fixed "
                                 f"image's {fixed.shape[1]}×{fixed.shape[0]}, since most methods need one size.")
                    image = same_size(image, fixed.shape)
                code = ("from core.image import decode_image, prepare\n"
                        "from core.registration.common import same_size\n"
                        f"fixed = image\nmoving, _ = decode_image(open({upload.name!r}, 'rb').read())\n"
                        f"moving = same_size(prepare(moving, gray={fixed.ndim == 2}, max_side="
                        f"{max(fixed.shape[:2])}), fixed.shape)")
                return MovingChoice(image, None, f"the uploaded “{upload.name}” (no ground truth)", code)
            except ValueError as exc:
                st.error(f"Could not use “{upload.name}”: {exc} Using a synthetic warp instead.")
        else:
            sidebar.info("No file uploaded yet: using a synthetic warp.")
    kind = sidebar.selectbox("Transform", KINDS, key=f"{key}.kind", bind="query-params")
    strength = sidebar.slider("Strength", 0.0, 3.0, 1.0, 0.1, key=f"{key}.strength", bind="query-params",
                              help="1 is moderate: 10° rotation, 8 % zoom, a slight tilt; for deformable, a smooth "
                                   "field peaking at 1.5 % of the image side.")
    seed = sidebar.number_input("Seed", 0, 9999, 0, key=f"{key}.seed", bind="query-params")
    moving, truth = _pair(digest(fixed), kind, float(strength), int(seed), fixed)
    return MovingChoice(moving, truth, f"a synthetic {kind} warp of strength {strength:g} (seed {seed})",
                        "from core.registration.synthetic import make_pair\nfixed = image\n"
                        f"moving, truth = make_pair(fixed, kind={kind!r}, strength={float(strength)!r}, seed={int(seed)})")


def checkerboard(a: np.ndarray, b: np.ndarray, *, tiles: int = 8) -> np.ndarray:
    a, b = to_rgb(a), to_rgb(b)
    height, width = a.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width]
    chooser = ((ys * tiles // height + xs * tiles // width) % 2).astype(bool)
    return np.where(chooser[..., None], a, b)


def false_colour(fixed: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Fixed in magenta, the other in green: aligned structures turn gray, misalignments show colour."""
    f, m = to_gray(fixed), to_gray(image)
    return np.clip(np.stack([f, m, f], axis=-1), 0, 1)


def _before(comparison) -> list[Leading]:
    base, truth = comparison.baseline, comparison.truth
    error = f"error **{base.metrics['error_px']:.2f} px** · " if truth is not None and "error_px" in base.metrics else ""
    return [Leading("Moving (before)", base.image,
                    f"{error}MSE {base.metrics.get('mse', np.nan):.4f} · NCC {base.metrics.get('ncc', np.nan):.3f}")]


def _caption(result: RunResult, comparison) -> str:
    """Error against the truth, inliers, MSE and NCC before → after, time."""
    extras, before, after = result.output.extras, comparison.baseline.metrics, result.metrics
    parts = []
    if comparison.truth is not None and "error_px" in after:
        unit = "corner error" if comparison.truth.kind != "deformable" else "field error"
        parts.append(f"{unit} **{after['error_px']:.2f} px**")
    if "inlier_ratio" in extras:
        parts.append(f"inliers {extras['inlier_count']}/{extras['match_count']} ({extras['inlier_ratio']:.0%})")
    parts.append(f"MSE {before.get('mse', np.nan):.4f} → **{after.get('mse', np.nan):.4f}**")
    parts.append(f"NCC {before.get('ncc', np.nan):.3f} → {after.get('ncc', np.nan):.3f}")
    parts.append(f"{result.seconds:.2f} s")
    return " · ".join(parts)


REGISTRATION_CELLS = Cells(caption=_caption, leading=_before, details=None, zoom=False)  # Overlay compares


def overlay_panel(comparison) -> None:
    fixed, moving, key = comparison.inputs["fixed"], comparison.inputs["moving"], f"{comparison.key}.overlay"
    ok = {r.method.label: r.image for r in comparison.ok}
    if not ok:
        st.info("No method succeeded.")
        return
    names = ["Moving (before)"] + list(ok)
    c1, c2, c3 = st.columns([2, 2, 2])
    name = c1.selectbox("Result", names, index=min(1, len(names) - 1), key=f"{key}.pick")
    tiles = c2.slider("Checkerboard tiles", 2, 16, 8, key=f"{key}.tiles")
    alpha = c3.slider("Blend (0 = fixed, 1 = result)", 0.0, 1.0, 0.5, 0.05, key=f"{key}.alpha")
    image = moving if name == "Moving (before)" else ok[name]
    a, b, c = st.columns(3)
    a.image(false_colour(fixed, image), caption="Overlay: fixed magenta, result green", width="stretch")
    b.image(checkerboard(fixed, image, tiles=tiles), caption="Checkerboard", width="stretch")
    c.image(np.clip((1 - alpha) * to_rgb(fixed) + alpha * to_rgb(image), 0, 1), caption="Blend", width="stretch")


def matches_panel(comparison) -> None:
    shown = [r for r in comparison.ok if "matches" in r.output.extras]
    if not shown:
        st.info("Choose a feature-based method (SIFT, ORB, AKAZE, BRISK) to see its matches.")
    for r in shown:
        e = r.output.extras
        st.image(e["matches"], width="stretch",
                 caption=f"{r.method.label}: {e['keypoints_fixed']} / {e['keypoints_moving']} keypoints, "
                 f"{e['match_count']} matches, {e['inlier_count']} inliers (green); outliers red. Fixed left.")


def field_figure(image: np.ndarray, field: np.ndarray, *, grid_lines: int = 16, title: str = "") -> go.Figure:
    """The deformed grid x + field(x) drawn over the fixed image."""
    height, width = field.shape[:2]
    fig = go.Figure(go.Image(z=_display(image)))
    step = max(1, max(height, width) // grid_lines)
    xs, ys = [], []  # every grid line in one trace, separated by NaN gaps (one trace per line is slow to send)
    for y in range(0, height, step):
        xs += [np.arange(width) + field[y, :, 0], [np.nan]]
        ys += [y + field[y, :, 1], [np.nan]]
    for x in range(0, width, step):
        xs += [x + field[:, x, 0], [np.nan]]
        ys += [np.arange(height) + field[:, x, 1], [np.nan]]
    fig.add_trace(go.Scatter(x=np.concatenate(xs), y=np.concatenate(ys), mode="lines", connectgaps=False,
                             line=dict(color="#ffb000", width=1), hoverinfo="skip", showlegend=False))
    fig.update_xaxes(visible=False, range=[0, width])
    fig.update_yaxes(visible=False, range=[height, 0], scaleanchor="x")
    fig.update_layout(height=420, margin=dict(l=5, r=5, t=30, b=5), title=title)
    return fig


def deformation_panel(comparison) -> None:
    fixed, moving, truth = comparison.inputs["fixed"], comparison.inputs["moving"], comparison.truth
    key = f"{comparison.key}.field"
    ok = {r.method.label: r for r in comparison.ok}
    if not ok:
        return
    name = st.selectbox("Method", list(ok), key=f"{key}.pick")
    result = ok[name]
    field = result.output.extras["field"]
    left, right = st.columns(2)
    left.plotly_chart(cached_figure(field_figure, fixed, field, title=f"{name}: estimated field (grid x + u(x))"),
                      width="stretch", key=f"{key}.est")
    if truth is not None:
        right.plotly_chart(cached_figure(field_figure, fixed, truth.field, title="True field"), width="stretch",
                           key=f"{key}.true")
    a, b, c = st.columns(3)
    gray_fixed = to_gray(fixed)
    a.image(np.clip(0.5 + (to_gray(moving) - gray_fixed), 0, 1), caption="Difference before (moving − fixed)",
            width="stretch")
    b.image(np.clip(0.5 + (to_gray(result.image) - gray_fixed), 0, 1), caption="Difference after (result − fixed)",
            width="stretch")
    if truth is not None:
        miss = np.linalg.norm(field - truth.field, axis=-1)
        top = max(float(np.percentile(miss, 99)), 1e-6)
        c.image(np.clip(miss / top, 0, 1), width="stretch",
                caption=f"|estimated − true field|, white = {top:.2f} px or more")
    curve = result.output.extras.get("metric_curve")
    if curve is not None and len(curve):
        st.plotly_chart(cached_figure(lines, {"metric": curve}, title="Metric per iteration", x_title="iteration"),
                        width="stretch", key=f"{key}.curve")
