"""Barcodes & QR codes: the generator (a QR code and an EAN-13 pasted into a bundled photo with a perspective
warp), the decoders' result cells and table, and the robustness tab (decode rate against degradations)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.codes.generate import LEVELS, RECOVERY, Code, make_ean13, make_qr
from core.codes.robustness import DEGRADATIONS, SYMBOLS, robustness, sample_images
from core.caching import bounded
from core.image import encode_png
from core.tasks.codes import BOOK_PAYLOAD, PHOTOS
from ui.cells import Cells
from ui.memo import memo
from ui.plots import cached_figure

BOOK_EAN = "978938989864"  # the book's ISBN without its check digit (4, added and said so)
PLACEMENT = ("Sliders", "Click four corners")


@dataclass
class Scene:
    image: np.ndarray
    truth: list[str]
    recipe: str
    codes: list[Code] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@st.cache_data(max_entries=16, show_spinner=False)
def _qr(payload: str, level: str, version: int | None, border: int, scale: int) -> tuple[Code | None, str]:
    try:
        return make_qr(payload, level=level, version=version, border=border, scale=scale), ""
    except ValueError as exc:
        return None, str(exc)


@st.cache_data(max_entries=16, show_spinner=False)
def _ean(digits: str, scale: int) -> tuple[Code | None, str]:
    try:
        return make_ean13(digits, scale=scale, height=35 * scale), ""
    except ValueError as exc:
        return None, str(exc)


@st.cache_data(max_entries=8, show_spinner=False)
def _photo(name: str, size: int) -> np.ndarray:
    from core.tasks.codes import photo

    return photo(name, size)


def _compose(photo: np.ndarray, pasted: tuple) -> np.ndarray:
    from core.codes.paste import paste

    image = photo
    for code_image, target in pasted:
        image = paste(image, code_image, np.asarray(target, np.float32))
    return image


def _placement(prefix: str, defaults: tuple[float, float, float, float, float, float], *, key: str) -> dict:
    cx, cy, size, rotation, tilt_x, tilt_y = defaults
    side = st.sidebar
    c1, c2 = side.columns(2)
    values = dict(center=(c1.slider("Centre x", 0.0, 1.0, cx, 0.01, key=f"{key}.{prefix}.cx", bind="query-params"),
                          c2.slider("Centre y", 0.0, 1.0, cy, 0.01, key=f"{key}.{prefix}.cy", bind="query-params")),
                  size=side.slider("Size (fraction of the photo)", 0.1, 1.0, size, 0.01, key=f"{key}.{prefix}.size",
                                   bind="query-params"),
                  rotation=side.slider("Rotation (°)", -180, 180, rotation, key=f"{key}.{prefix}.rot",
                                       bind="query-params"))
    c3, c4 = side.columns(2)
    values["tilt_x"] = c3.slider("Tilt ↔", -0.8, 0.8, tilt_x, 0.05, key=f"{key}.{prefix}.tx", bind="query-params",
                                 help="Perspective: turns the code about its vertical axis.")
    values["tilt_y"] = c4.slider("Tilt ↕", -0.8, 0.8, tilt_y, 0.05, key=f"{key}.{prefix}.ty", bind="query-params",
                                 help="Perspective: turns the code about its horizontal axis.")
    return values


def generated_scene(*, key: str) -> Scene:
    """Sidebar controls for the generated scene: a photo, a QR code and an EAN-13, each placed by sliders (or, for
    the QR code, by four clicked corners); the payloads are the truth."""
    from core.codes.paste import corners, inside

    side = st.sidebar
    side.header("Photo")
    name = side.selectbox("Bundled photo", PHOTOS, key=f"{key}.photo", bind="query-params")
    size = side.select_slider("Size (px)", [256, 384, 512, 768], 512, key=f"{key}.size", bind="query-params")
    photo = _photo(name, size)
    scene = Scene(photo, [], "")
    recipe = ["import numpy as np", "from core.codes.generate import make_ean13, make_qr",
              "from core.codes.paste import paste", "from core.tasks.codes import photo",
              f"image = photo({name!r}, {size})", "truth = []"]
    pasted = []

    side.header("QR code")
    if side.toggle("Paste a QR code", True, key=f"{key}.qr.on", bind="query-params"):
        payload = side.text_area("Payload (UTF-8 text)", BOOK_PAYLOAD, key=f"{key}.qr.payload", height=80,
                                 help="Any text, any script: the book's is Bengali and English.")
        c1, c2 = side.columns(2)
        level = c1.selectbox("Error correction", LEVELS, index=0, key=f"{key}.qr.level", bind="query-params",
                             format_func=lambda v: f"{v} (~{RECOVERY[v]} %)",
                             help="How much of the symbol can be damaged and still read; a higher level makes a "
                                  "bigger code for the same payload.")
        version = c2.selectbox("Version", ["auto"] + list(range(1, 41)), key=f"{key}.qr.version",
                               bind="query-params", help="Version v is (17 + 4v) modules a side; auto picks the "
                                                         "smallest that holds the payload.")
        c3, c4 = side.columns(2)
        border = c3.slider("Quiet zone (modules)", 0, 10, 4, key=f"{key}.qr.border", bind="query-params",
                           help="4 is the standard's minimum; readers struggle below it.")
        scale = c4.slider("Pixels per module", 1, 12, 4, key=f"{key}.qr.scale", bind="query-params",
                          help="Before the warp into the photo.")
        code, error = _qr(payload, level, None if version == "auto" else int(version), border, scale)
        if error:
            scene.errors.append(f"QR code: {error}")
        else:
            mode = side.radio("Placement", PLACEMENT, horizontal=True, key=f"{key}.qr.mode", bind="query-params")
            where = _placement("qr", (0.3, 0.62, 0.42, -8, 0.2, 0.0), key=key)
            target = corners(photo.shape, code.image.shape, **where)
            if mode == PLACEMENT[1]:
                target = _clicked_corners(photo, target, key=f"{key}.qr.corners")
            if not inside(target, photo.shape):
                scene.errors.append("The QR code reaches outside the photo: part of it is cut off.")
            pasted.append((code.image, target.tolist()))
            scene.codes.append(code)
            scene.truth.append(code.payload)
            recipe += [f"qr = make_qr({payload!r}, level={level!r}, version={None if version == 'auto' else int(version)},"
                       f" border={border}, scale={scale})",
                       f"image = paste(image, qr, np.array({np.round(target, 1).tolist()}, np.float32))",
                       "truth.append(qr.payload)"]

    side.header("EAN-13 barcode")
    if side.toggle("Paste an EAN-13", True, key=f"{key}.ean.on", bind="query-params"):
        digits = side.text_input("Digits (12, or 13 with the check digit)", BOOK_EAN, key=f"{key}.ean.digits",
                                 help="The default is the book's ISBN without its check digit.")
        scale = side.slider("Pixels per bar module", 1, 6, 2, key=f"{key}.ean.scale", bind="query-params")
        code, error = _ean(digits, scale)
        if error:
            scene.errors.append(f"EAN-13: {error}")
        else:
            where = _placement("ean", (0.72, 0.2, 0.44, 6, 0.0, 0.0), key=key)
            target = corners(photo.shape, code.image.shape, **where)
            if not inside(target, photo.shape):
                scene.errors.append("The EAN-13 reaches outside the photo: part of it is cut off.")
            pasted.append((code.image, target.tolist()))
            scene.codes.append(code)
            scene.truth.append(code.payload)
            recipe += [f"ean = make_ean13({digits!r}, scale={scale}, height={35 * scale})",
                       f"image = paste(image, ean, np.array({np.round(target, 1).tolist()}, np.float32))",
                       "truth.append(ean.payload)"]
    scene.image = memo(_compose, photo, tuple(pasted))
    scene.recipe = "\n".join(recipe)
    return scene


def _clicked_corners(photo: np.ndarray, fallback: np.ndarray, *, key: str) -> np.ndarray:
    from ui.canvas import point_canvas

    with st.expander("Click the QR code's four corners (top-left, top-right, bottom-right, bottom-left)",
                     expanded=True, icon=":material/touch_app:"):
        points = point_canvas(photo, key=key, max_width=512)
        if len(points) >= 4:
            st.caption("The code is warped onto your first four points.")
            return np.asarray(points[:4], np.float32)
        st.caption(f"{len(points)} of 4 corners clicked: the sliders' placement is used until then.")
    return fallback


def show_codes(scene: Scene, *, key: str) -> None:
    """What the generator refused or changed, then the generated codes with PNG downloads."""
    for error in scene.errors:
        st.error(error)
    for code in scene.codes:
        if code.notice:
            st.info(f"{code.symbology}: {code.notice}", icon=":material/info:")
    if not scene.codes:
        return
    with st.expander("The generated codes", icon=":material/qr_code_2:"):
        for column, code in zip(st.columns(len(scene.codes)), scene.codes):
            with column:
                st.image(code.image, caption=code.label, width=min(260, code.image.shape[1]))
                if code.symbology == "QR Code":
                    n = code.modules.shape[0]
                    st.caption(f"Version {code.version} ({n}×{n} modules), level {code.level} "
                               f"(~{RECOVERY[code.level]} % recoverable), {len(code.payload.encode('utf-8'))} bytes.")
                else:
                    st.caption(f"{code.payload}: 95 modules, drawn from the standard's digit tables.")
                st.download_button("PNG", encode_png(code.image), f"{code.symbology.lower().replace(' ', '_')}.png",
                                   mime="image/png", key=f"{key}.png.{code.symbology}", icon=":material/download:")


# -- result cells ---------------------------------------------------------------------------------------------

READS = {"opencv_qr": "QR only", "opencv_qr_aruco": "QR only", "wechat": "QR only", "opencv_barcode": "1-D only"}
_MARKDOWN = set("\\`*_{}[]()#+-.!|<>~$:")


def escape(text: str, limit: int = 70) -> str:
    """User text shown in markdown: special characters escaped, line breaks as ⏎, cut at `limit` characters."""
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return "".join("\\" + c if c in _MARKDOWN else c for c in text.replace("\r", "").replace("\n", " ⏎ "))


def codes_caption(result, comparison) -> str:
    extras = result.output.extras
    count = extras["count"]
    text = f"**{count} {'code' if count == 1 else 'codes'}**" if count else "**No code found**"
    text += f" · decoding {extras['decoder seconds']:.3f} s"
    if result.method.key in READS:
        text += f" · :gray[{READS[result.method.key]}]"
    if comparison.truth is not None and "decode_rate" in result.metrics:
        metric = comparison.task.metric
        rate = result.metrics["decode_rate"]
        text += "  \n" + (f"decode rate **{metric('decode_rate').format(rate)}**" if np.isfinite(rate) else
                          "no true payloads") + f" · false decodes **{int(result.metrics['false_decodes'])}**"
    for index, code in enumerate(extras["codes"], start=1):
        text += f"  \n{index}\\. {code['symbology']}: {escape(code['text'])}"
    for notice in extras.get("notices", []):
        if notice != "No code found.":
            text += f"  \n:gray[{notice}]"
    return text


def codes_table(results) -> pd.DataFrame:
    rows = []
    for result in results:
        if not result.ok:
            continue
        for index, code in enumerate(result.output.extras["codes"], start=1):
            rows.append({"decoder": result.method.label, "#": index, "type": code["symbology"], "text": code["text"],
                         "corners (x, y)": " ".join(f"({x:.0f}, {y:.0f})" for x, y in code["polygon"]) or "–",
                         "notice": code["notice"], "hex": code["hex"]})
        if not result.output.extras["codes"]:
            rows.append({"decoder": result.method.label, "#": 0, "type": "–", "text": "no code found",
                         "corners (x, y)": "–", "notice": "", "hex": ""})
    return pd.DataFrame(rows, columns=["decoder", "#", "type", "text", "corners (x, y)", "notice", "hex"])


def _details(result, comparison, key: str) -> None:
    st.dataframe(codes_table([result]), hide_index=True, width="stretch")


def results_table(comparison) -> None:
    """Every decoder's codes in one table (the number is the label on each annotated image)."""
    if not comparison.ok:
        return
    st.markdown("**Decoded codes**: type, text and corners per decoder; the number is the label on its image.")
    st.dataframe(codes_table(comparison.results), hide_index=True, width="stretch")


_GRID = Cells(caption=codes_caption, details=_details, details_label=("Codes", ":material/table:"), per_row=3,
              zoom=False, targets=lambda c: {"count": float(len(c.truth))} if c.truth is not None else {},
              leading=lambda c: [])


def _grid_and_table(comparison) -> None:
    _GRID.draw(comparison)
    results_table(comparison)


CODE_CELLS = Cells(grid=_grid_and_table, zoom=False)


def wechat_models_panel(*, key: str) -> None:
    """Where WeChat's CNN model files are, and a download when they are missing (needs internet)."""
    from core.codes.decoders import WECHAT_FILES, download_wechat_models, wechat_folder, wechat_models

    with st.expander("WeChat's CNN model files (optional)", icon=":material/download:"):
        folder = wechat_folder()
        if wechat_models() is not None:
            st.success(f"The four model files are in {folder}: choose “CNN” in WeChat's panel.")
            return
        st.markdown("WeChat's reader runs here with its **traditional detector**: its CNN detector and "
                    "super-resolution model (" + ", ".join(f"`{n}`" for n in WECHAT_FILES) + ") ship in no "
                    f"wheel. They can be downloaded from WeChatCV's repository into `{folder}` (needs internet).")
        if st.button("Download the model files", key=f"{key}.download", icon=":material/cloud_download:"):
            bar = st.progress(0.0, "Downloading…")
            try:
                download_wechat_models(lambda f, t: bar.progress(min(1.0, max(0.0, f)), t))
            except ValueError as exc:
                st.error(str(exc))
            else:
                st.success("Downloaded: choose “CNN” in WeChat's panel.")
            finally:
                bar.empty()


# -- robustness -----------------------------------------------------------------------------------------------

DASHES = {"zxing-cpp": "solid", "OpenCV QRCodeDetector": "dash", "OpenCV QRCodeDetectorAruco": "dot",
          "WeChat QR (opencv-contrib)": "dashdot", "OpenCV BarcodeDetector (1-D)": "longdash"}
PALETTE = {"zxing-cpp": "#4c78a8", "OpenCV QRCodeDetector": "#f58518", "OpenCV QRCodeDetectorAruco": "#54a24b",
           "WeChat QR (opencv-contrib)": "#e45756", "OpenCV BarcodeDetector (1-D)": "#b279a2"}


def robustness_figure(rows: list[dict], x_title: str) -> go.Figure:
    """One panel per code (QR at each level, EAN-13), one line per decoder: decode rate against the damage."""
    from plotly.subplots import make_subplots

    frame = pd.DataFrame(rows)
    symbols = list(dict.fromkeys(frame["symbol"]))
    titles = [f"{s} (v{int(frame[frame.symbol == s].version.iloc[0])}, ~{RECOVERY[s[-1]]} %)" if s.startswith("QR")
              else s for s in symbols]
    fig = make_subplots(rows=1, cols=len(symbols), shared_yaxes=True, subplot_titles=titles,
                        horizontal_spacing=0.03)
    shown = set()
    for col, symbol in enumerate(symbols, start=1):
        for decoder, group in frame[frame.symbol == symbol].groupby("decoder", sort=False):
            fig.add_trace(go.Scatter(x=group["value"], y=group["decode_rate"], mode="lines+markers", name=decoder,
                                     legendgroup=decoder, showlegend=decoder not in shown,
                                     line=dict(color=PALETTE.get(decoder), dash=DASHES.get(decoder, "solid")),
                                     hovertemplate=f"{decoder} · {symbol}<br>%{{x}}: %{{y:.2f}}<extra></extra>"),
                          row=1, col=col)
            shown.add(decoder)
        fig.update_xaxes(title_text=x_title if col == (len(symbols) + 1) // 2 else "", row=1, col=col)
    fig.update_yaxes(title_text="decode rate", range=[-0.03, 1.03], row=1, col=1)
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.25))
    return fig


def limits(rows: list[dict], kind: str) -> pd.DataFrame:
    """Per decoder and code: the worst damage still read in at least half the trials (scale: the smallest
    module); "never" when it read none, "–" where the decoder does not read that symbology."""
    frame = pd.DataFrame(rows)
    decoders, symbols = list(dict.fromkeys(frame["decoder"])), [s for s in SYMBOLS if s in set(frame["symbol"])]
    table = pd.DataFrame("–", index=pd.Index(decoders, name="decoder"), columns=symbols)
    for (decoder, symbol), group in frame.groupby(["decoder", "symbol"], sort=False):
        read = group[group["decode_rate"] >= 0.5]["value"]
        table.loc[decoder, symbol] = "never" if not len(read) else f"{read.min() if kind == 'scale' else read.max():g}"
    return table


@bounded(max_mb=8)  # not st.cache_data: a cached hit would replay the progress bar of an earlier run
def _sweep(kind: str, decoders: tuple, symbols: tuple, trials: int, payload: str, module_px: int, seed: int,
           _progress=None) -> list[dict]:
    return robustness(kind, decoders=decoders, symbols=symbols, trials=trials, payload=payload, module_px=module_px,
                      seed=seed, progress=_progress)


def robustness_tab(comparison, *, key: str) -> None:
    from core.registry import DECODE_CODES, methods_for

    st.caption("A generated code on a white canvas, degraded step by step; each decoder reads every image and is "
               "scored with this page's decode rate. The code keeps its size in pixels per module, so an H code "
               "(more modules) is bigger than an L code of the same payload: at a given blur or noise the levels "
               "differ only by their error correction. Each trial places the code with a random sub-pixel shift "
               "and a turn of up to 1° (OpenCV's readers are sensitive to exact placement, even undamaged). "
               "Seeded: the same settings give the same curves.")
    labels = {m.key: m.label for m in methods_for(DECODE_CODES)}
    c1, c2, c3 = st.columns([1, 2, 2])
    kind = c1.selectbox("Degradation", list(DEGRADATIONS), index=list(DEGRADATIONS).index("occlusion"),
                        key=f"{key}.kind", bind="query-params")
    decoders = c2.multiselect("Decoders", list(labels), default=["zxing", "opencv_qr", "wechat", "opencv_barcode"],
                              format_func=labels.get, key=f"{key}.decoders", bind="query-params")
    symbols = c3.multiselect("Codes", SYMBOLS, default=list(SYMBOLS), key=f"{key}.symbols", bind="query-params",
                             help="QR at each error-correction level, and an EAN-13 (the book's ISBN).")
    c4, c5, c6, c7 = st.columns([3, 1, 1, 1])
    payload = c4.text_input("QR payload", "https://example.org/book?chapter=8&section=5", key=f"{key}.payload")
    trials = c5.number_input("Trials", 1, 8, 2, key=f"{key}.trials", help="Seeded images per point, averaged.")
    module_px = c6.number_input("Module px", 2, 8, 4, key=f"{key}.module", help="Pixels per module before the "
                                "degradation.")
    seed = c7.number_input("Seed", 0, 999, 0, key=f"{key}.seed")
    st.caption(f"**{kind}**: {DEGRADATIONS[kind].help}")
    if not decoders or not symbols:
        st.info("Choose at least one decoder and one code.")
        return
    if not payload:
        st.info("Type a QR payload.")
        return
    run_key = (kind, tuple(decoders), tuple(symbols), int(trials), payload, int(module_px), int(seed))
    if st.button("Run the sweep", key=f"{key}.run", icon=":material/play_arrow:", type="primary"):
        bar = st.progress(0.0, "Decoding…")
        try:
            rows = _sweep(*run_key, _progress=lambda f, t: bar.progress(min(1.0, f), t))
        except ValueError as exc:
            st.error(str(exc))
            return
        finally:
            bar.empty()
        st.session_state[f"{key}.rows"] = (run_key, rows)
    stored = st.session_state.get(f"{key}.rows")
    if stored is None:
        st.info("Press **Run the sweep**: a few seconds per decoder; a noise sweep takes about a minute, as noisy "
                "images make WeChat and the ArUco reader search much longer.")
        return
    stored_key, rows = stored
    if stored_key != run_key:
        st.caption(":orange[The curves below are for earlier settings: press Run the sweep again.]")
    st.plotly_chart(cached_figure(robustness_figure, rows, DEGRADATIONS[stored_key[0]].label), width="stretch",
                    key=f"{key}.figure")
    if stored_key[0] == "occlusion":
        st.caption("Claimed recovery: L ~7 %, M ~15 %, Q ~25 %, H ~30 % of the *codewords*. A square sticker over "
                   "a share of the *area* damages a larger share of codewords (each codeword is 8 modules laid out "
                   "in a 2-module-wide column, and a partly covered one is lost), so the measured limits fall "
                   "below the claims, in the same order.")
    worst = "smallest module size" if stored_key[0] == "scale" else "worst damage"
    st.markdown(f"**Measured limits**: the {worst} each decoder still read in at least half the trials "
                f"({DEGRADATIONS[stored_key[0]].label}; empty: never).")
    st.dataframe(memo(limits, rows, stored_key[0]), width="stretch")  # "–": the decoder doesn't read that code
    frame = pd.DataFrame(rows)[["decoder", "symbol", "value", "decode_rate", "false_decodes", "seconds", "version"]]
    with st.expander("Table and the degraded images", icon=":material/table:"):
        st.dataframe(frame, hide_index=True, width="stretch")
        st.download_button("CSV", frame.to_csv(index=False).encode(), f"decode_rate_{stored_key[0]}.csv",
                           mime="text/csv", key=f"{key}.csv", icon=":material/download:")
        symbol = stored_key[2][0]
        samples = memo(sample_images, stored_key[0], symbol, payload=stored_key[4], module_px=stored_key[5],
                       seed=stored_key[6])
        st.caption(f"{symbol}, first trial, at each step:")
        for column, (value, image) in zip(st.columns(len(samples)), samples):
            column.image(image, caption=f"{value:g}", width="stretch")
