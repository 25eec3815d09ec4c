"""Parameter widgets rendered from `Param` specs, each bound to a URL query parameter."""
from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from core.registry import Method, Param


def widget_key(method: Method, param: Param, *, prefix: str | None = None) -> str:
    """`task.method.param`: readable and unique (method keys repeat across tasks), and the query-parameter
    name in a shared URL. `prefix` replaces the task for a second set of the same widgets on a page."""
    return f"{prefix or method.task.name}.{method.key}.{param.name}"


def log_options(param: Param, count: int = 25) -> list[float]:
    """Log-spaced slider stops, with the default among them, rounded to 3 significant digits."""
    values = np.geomspace(param.min, param.max, count)
    stops = {float(f"{v:.3g}") for v in values} | {float(param.default)}
    return sorted(stops)


def param_widget(method: Method, param: Param, *, container=st, prefix: str | None = None) -> Any:
    key = widget_key(method, param, prefix=prefix)
    common = dict(key=key, help=param.help or None, bind="query-params")
    # A value already in session state (from 'use best' or history) must not be overridden by a default.
    preset = key in st.session_state

    def initial(name: str, value: Any) -> dict:
        return {} if preset else {name: value}

    if param.kind == "choice":
        return container.selectbox(param.label, param.choices, format_func=str, **common,
                                   **initial("index", param.choices.index(param.default)))
    if param.kind == "bool":
        return container.toggle(param.label, **common, **initial("value", param.default))
    if param.log:
        options = log_options(param)
        value = container.select_slider(param.label, options=options, format_func=lambda v: f"{v:.3g}",
                                        **common, **initial("value", float(param.default)))
        return float(value)
    if param.kind == "int":
        return int(container.slider(param.label, int(param.min), int(param.max), step=int(param.step or 1),
                                    **common, **initial("value", int(param.default))))
    step = float(param.step) if param.step else float((param.max - param.min) / 100)
    return float(container.slider(param.label, float(param.min), float(param.max), step=step,
                                  **common, **initial("value", float(param.default))))


def param_widgets(method: Method, *, container=st, prefix: str | None = None,
                  names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The widgets of a method (all, or those in `names`); returns {name: value}."""
    return {p.name: param_widget(method, p, container=container, prefix=prefix) for p in method.params
            if names is None or p.name in names}


def set_params(method: Method, params: dict[str, Any]) -> None:
    """Put values into the widgets' state (used by 'use best' in sweeps and by history reopen)."""
    for name, value in params.items():
        try:
            param = method.param(name)
        except KeyError:
            continue
        value = param.coerce(value)
        if param.log:
            options = log_options(param)
            value = min(options, key=lambda o: abs(np.log(o) - np.log(max(value, 1e-12))))
        st.session_state[widget_key(method, param)] = value
