"""Shared AppTest set-up: open a page of the real app at a small working size."""
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")

TIMEOUT = 180


def open_page(path: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(path)
    at.run()
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def metric_captions(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("PSNR **")]


def image_captions(at: AppTest) -> list[str]:
    """Captions of every st.image on the page."""
    return [img.caption for element in at.get("image") for img in element.proto.imgs]


HEAVY_MODULES = ("tensorflow", "keras", "dlib", "mtcnn", "onnxruntime", "torch")


def heavy_imports(path: str, query: dict | None = None) -> set[str]:
    """Open a page in a fresh Python process and return which of HEAVY_MODULES it imported. A subprocess,
    because other tests in this process (the learned pages, core tests) may import them first."""
    import json
    import subprocess
    import sys

    script = (f"import sys, json\nfrom tests.pages.helpers import open_page, HEAVY_MODULES\n"
              f"at = open_page({path!r}, json.loads({json.dumps(json.dumps(query or {}))}))\n"
              "assert not at.exception, at.exception\n"
              "print('HEAVY:' + ','.join(m for m in HEAVY_MODULES if m in sys.modules))\n")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise AssertionError(f"{path} failed to open:\n{done.stderr[-2000:]}")
    last = done.stdout.strip().splitlines()[-1]
    return set(filter(None, last.removeprefix("HEAVY:").split(",")))


def imports_tensorflow(path: str, query: dict | None = None) -> bool:
    return "tensorflow" in heavy_imports(path, query)


SEGMENT_CAPTION = re.compile(r"^(IoU \*\*[\d.–]+\*\* · Dice \*\*[\d.–]+\*\* · )?\d+ segments? · \d+\.\d+ s$")


def segment_captions(at: AppTest) -> list[str]:
    """The caption under each segmentation result (ui.segment_compare): IoU/Dice, segments, time."""
    return [m.value for m in at.markdown if SEGMENT_CAPTION.match(m.value)]


def caption_numbers(caption: str) -> dict:
    """{"iou": .., "dice": .., "segments": .., "seconds": ..} parsed from a segmentation caption."""
    out = {"segments": int(re.search(r"(\d+) segments?", caption).group(1)),
           "seconds": float(re.search(r"(\d+\.\d+) s$", caption).group(1))}
    for name in ("IoU", "Dice"):
        found = re.search(name + r" \*\*([\d.]+)\*\*", caption)
        if found:
            out[name.lower()] = float(found.group(1))
    return out


def open_tab(at: AppTest, key: str, name: str) -> AppTest:
    """Open the lazy tab (ui.page.lazy_tabs) under `key` whose label ends with `name`, and rerun."""
    from ui.page import COMPARE, EXPORT, HISTORY, SWEEP

    labels = [t.label for t in at.tabs] + [COMPARE, SWEEP, HISTORY, EXPORT]
    at.session_state[key] = next(label for label in labels if label.endswith(name))
    return at.run()
