"""Downloads: each result as PNG, the metrics as CSV, and a Python snippet that reproduces a result."""
from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from core.image import encode_png

SNIPPET_IMPORTS = """from core.degrade import add_noise, degrade, make_kernel
from core.gallery import load_sample
from core.image import decode_image, prepare
from core.metrics import psnr, ssim
from core.registry import get_method
"""


SCORE_LINE = 'print(f"PSNR {psnr(image, result):.2f} dB, SSIM {ssim(image, result):.3f}")'


def snippet(task: str, result, recipe: str, *, inputs: tuple[str, ...], has_reference: bool,
            imports: str = SNIPPET_IMPORTS, score_line: str = SCORE_LINE) -> str:
    """Python that rebuilds the input with core and runs the method with the same parameters."""
    params = ", ".join(f"{k!r}: {v!r}" for k, v in result.params.items())
    lines = [imports, recipe,
             f"method = get_method({task!r}, {result.method.key!r})",
             f"output = method.run({', '.join(inputs)}, params={{{params}}})",
             "result = output.image  # output.extras holds what else the method reports"]
    if has_reference:
        lines.append(score_line)
    return "\n".join(lines) + "\n"


def metrics_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    pd.DataFrame(rows).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def export_panel(task: str, results: list, rows: list[dict], recipe: str, *, inputs: tuple[str, ...] | dict,
                 has_reference: bool, key: str, png=None, imports: str = SNIPPET_IMPORTS,
                 score_line: str = SCORE_LINE) -> None:
    """`inputs`: the input names of the snippet (or a dict {method key: names}); `png(result)` makes a
    result's PNG bytes (default: the result image itself)."""
    ok = [r for r in results if r.ok]
    st.download_button("Metrics (CSV)", metrics_csv(rows), file_name=f"{task}-metrics.csv", mime="text/csv",
                       key=f"{key}.csv", icon=":material/table:")
    if not ok:
        return
    columns = st.columns(min(4, len(ok)))
    for i, result in enumerate(ok):
        image = result.image
        columns[i % len(columns)].download_button(
            f"{result.method.label} (PNG)",
            data=(lambda image=image: encode_png(image)) if png is None else (lambda result=result: png(result)),
            file_name=f"{task}-{result.method.key}.png", mime="image/png", key=f"{key}.png.{result.method.key}",
            icon=":material/download:")
    by_key = {r.method.key: r for r in ok}
    chosen = by_key[st.selectbox("Reproduce with Python", list(by_key), format_func=lambda k: by_key[k].method.label,
                                 key=f"{key}.code")]
    names = inputs[chosen.method.key] if isinstance(inputs, dict) else inputs
    st.code(snippet(task, chosen, recipe, inputs=names, has_reference=has_reference, imports=imports,
                    score_line=score_line), language="python")
    st.caption("Run it from the repository root; it rebuilds the input with `core` and prints the same metrics.")
