"""Stitched panoramas side by side: size, time, the seam error against the source when it is known,
the error maps, a chart, and a PNG download of each panorama."""
from __future__ import annotations

import numpy as np
import streamlit as st

from core.image import digest, encode_png
from ui.cells import Cells
from ui.memo import memo
from ui.plots import cached_figure, heatmap


@st.cache_data(max_entries=16, show_spinner="Aligning the panorama with the source…")
def _seam_error(pano_digest: str, source_digest: str, _panorama: np.ndarray, _source: np.ndarray):
    from core.panorama import resampling_floor, seam_error

    try:
        return seam_error(_panorama, _source), resampling_floor(_source), None
    except ValueError as exc:
        return None, None, str(exc)


@st.cache_data(max_entries=4, show_spinner="Making a panning video…")
def generated_video(sample: str, max_side: int):
    """A camera sliding across a sample: (frames, H.264 MP4 bytes, the source the frames were cut from)."""
    from core.gallery import load_sample
    from core.image import fit_size
    from core.panorama import panning_video
    from core.video_bg import encode_mp4

    source = fit_size(load_sample(sample), max_side)[0]
    frames = panning_video(source)
    return frames, encode_mp4(frames, fps=12), source[:frames.shape[1]]


@st.cache_data(max_entries=4, show_spinner="Reading the video…")
def uploaded_video(data_digest: str, max_side: int, name: str, _data: bytes):
    """(frames, None) or (None, a message saying why the file cannot be used)."""
    from core.video_bg import read_video

    try:
        return read_video(_data, max_frames=300, max_side=max_side, name=name)[0], None
    except ValueError as exc:
        return None, str(exc)


def panorama_results(comparison) -> None:
    """Each panorama with its size and time; against the source, its error, coverage and the resampling floor;
    the error maps."""
    results, reference, key = comparison.results, comparison.truth, comparison.key
    if not results:
        return
    rows, maps = [], {}
    columns = st.columns(len(results))
    for column, result in zip(columns, results):
        with column:
            if not result.ok:
                st.error(f"**{result.method.label}**: {result.error}")
                continue
            image = result.image
            st.image(image, caption=result.method.label, width="stretch")
            text = f"**{image.shape[1]}×{image.shape[0]}** · {result.seconds:.3f} s"
            row = {"method": result.method.label, "seconds": result.seconds}
            if reference is not None:
                error, floor, message = _seam_error(digest(image), digest(reference), image, reference)
                if message:
                    text += f"  \n:orange[Not measured: {message}]"
                else:
                    maps[result.method.label] = error["error_map"]
                    row["mae"] = error["mae"]
                    text += (f"  \nerror vs source **{error['mae']:.4f}** (PSNR {error['psnr']:.1f} dB) · covers "
                             f"{error['coverage']:.0%} · fit residual {error['residual_px']:.2f} px  \n"
                             f":gray[half-pixel resampling alone gives {floor:.4f}]")
            st.markdown(text)
            if result.output.extras.get("notes"):
                st.caption(result.output.extras["notes"])
            st.download_button("Download PNG", memo(encode_png, image), file_name=f"{result.method.key}.png",
                               mime="image/png", key=f"{key}.download.{result.method.key}",
                               icon=":material/download:")
            rows.append(row)
    if not rows:
        return
    if reference is None:
        st.caption("Your own images have no ground truth, so only sizes and times are shown.")
        return
    with st.expander("How the error is measured, and where it is", expanded=False):
        st.markdown("The panorama is a spherical projection, so no single homography maps it back onto the flat "
                    "source. A smooth cubic polynomial warp, fitted to SIFT matches between the two, undoes that "
                    "bending but cannot undo a step at a seam, a ghost or a blending error; what is left is the "
                    "mean absolute difference (gray levels in [0, 1]) where the panorama covers the source.")
        cells = st.columns(max(1, len(maps)))
        for cell, (name, error_map) in zip(cells, maps.items()):
            cell.plotly_chart(cached_figure(heatmap, np.clip(error_map, 0, 0.25), title=name, colorscale="Magma",
                                            height=300), width="stretch", key=f"{key}.map.{name}")


PANORAMA_CELLS = Cells(grid=panorama_results, zoom=False)
