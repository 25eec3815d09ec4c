"""Downloads: each result (PNG), the metrics (CSV), and a Python snippet that reproduces a result with core and
prints its scores through the task's own `score` (the same one the page and the bench use)."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st

from ui.cells import cells_for

HEADER = "from core.registry import get_method"


def _literal(value) -> str | None:
    """A Python literal for a plain input (a number, a rectangle, seed points), or None for an array."""
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(round(float(value), 3))
    if isinstance(value, (list, tuple)):
        parts = [_literal(v) for v in value]
        if None in parts:
            return None
        inside = ", ".join(parts) + ("," if isinstance(value, tuple) and len(parts) == 1 else "")
        return f"[{inside}]" if isinstance(value, list) else f"({inside})"
    return None


def inputs_line(comparison, method) -> str:
    """`inputs = {...}`: each input the method takes, by its recipe variable (or as a literal)."""
    from core.tasks.protocol import NEEDS

    items = []
    for name in method.input_names:
        name = NEEDS[name].key if name in NEEDS else name  # "strokes" are taken from the "scribbles"
        source = comparison.variables.get(name)
        value = comparison.inputs.get(name)
        literal = None if source else _literal(value)
        items.append(f"{name!r}: {source or literal or name}")
    return "inputs = {" + ", ".join(items) + "}"


def snippet(comparison, result) -> str:
    """Python that rebuilds the inputs with core, runs the method with the same parameters and prints its scores.
    Import lines of the recipe are gathered at the top, once each."""
    lines = comparison.recipe.splitlines()
    imports = sorted({line for line in lines if line.startswith(("import ", "from "))} | {HEADER})
    body = [line for line in lines if not line.startswith(("import ", "from "))]
    params = ", ".join(f"{k!r}: {v!r}" for k, v in result.params.items())
    truth = comparison.truth_code if comparison.truth is not None else "None"
    code = imports + [""] + body + [
        inputs_line(comparison, result.method),
        f"method = get_method({comparison.task.name!r}, {result.method.key!r})",
        f"output = method.run(*method.arguments(inputs), params={{{params}}})",
        "result = output.image  # output.extras holds what else the method reports",
    ]
    if comparison.metrics:
        code.append(f"print(method.task.describe(method.task.score({truth}, output, inputs)))")
    return "\n".join(code) + "\n"


def npy_bytes(array: np.ndarray) -> bytes:
    """An array as a .npy file (drawn scribbles, masks), for the snippets that load them."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array))
    return buffer.getvalue()


def bench_command(comparison) -> str:
    """The `python -m bench` command that runs this comparison's methods, with their settings, at scale: on a
    folder of images when the task has an image setup, else on seeded examples; on a Dask cluster, resumable."""
    import json
    import shlex

    from bench.setups import SETUPS

    task = comparison.task.name
    changed = {r.method.key: {k: v for k, v in r.params.items() if r.method.param(k).default != v}
               for r in comparison.ok}
    parts = ["python -m bench", task,
             "--images YOUR_FOLDER --recursive" if task in SETUPS else "--example 100",
             "--methods " + ",".join(m.key for m in comparison.methods)]
    changed = {k: v for k, v in changed.items() if v}
    if changed:
        parts.append("--params " + shlex.quote(json.dumps(changed, default=str)))
    parts += ["--jobs 2", "--out run.jsonl --resume", "--report report.html"]
    return " ".join(parts)


def metrics_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    pd.DataFrame(rows).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def export_panel(comparison) -> None:
    """The metrics CSV, each result's PNG, the page's extra files, and a snippet for the chosen result."""
    key, task = f"{comparison.key}.export", comparison.task.name
    cells = comparison.cells or cells_for(comparison.task)
    st.download_button("Metrics (CSV)", metrics_csv(comparison.rows()), file_name=f"{task}-metrics.csv",
                       mime="text/csv", key=f"{key}.csv", icon=":material/table:")
    for i, (label, data, name) in enumerate(comparison.files):
        st.download_button(label, data, file_name=name, key=f"{key}.file{i}", icon=":material/draft:")
    ok = comparison.ok
    if not ok:
        return
    columns = st.columns(min(4, len(ok)))
    for i, result in enumerate(ok):
        columns[i % len(columns)].download_button(
            f"{result.method.label} (PNG)", data=lambda result=result: cells.png(result, comparison),
            file_name=f"{task}-{result.method.key}.png", mime="image/png", key=f"{key}.png.{result.method.key}",
            icon=":material/download:")
    by_key = {r.method.key: r for r in ok}
    chosen = by_key[st.selectbox("Reproduce with Python", list(by_key), format_func=lambda k: by_key[k].method.label,
                                 key=f"{key}.code")]
    st.code(snippet(comparison, chosen), language="python")
    st.caption("Run it from the repository root: it rebuilds the input with `core`, runs the method and prints the "
               "same scores as the page.")
    st.markdown("**At scale**: the same methods and settings on many images (or seeded examples), on a Dask "
                "cluster, resumable, with an HTML report (see `bench/README.md` for the degradation options):")
    st.code(bench_command(comparison), language="bash")
