"""Method cards: the idea in a few sentences, the model in LaTeX, the parameters, the book section."""
from __future__ import annotations

import streamlit as st

from core.registry import Method


def method_card(method: Method) -> None:
    flags = []
    if method.reference:
        flags.append("reference")
    if method.slow:
        flags.append("slow")
    title = f"**{method.label}**" + (f"  ·  book §{method.book}" if method.book else "")
    st.markdown(title + ("  ·  " + ", ".join(f"`{f}`" for f in flags) if flags else ""))
    if method.summary:
        st.caption(method.summary)
    if method.explanation:
        st.markdown(method.explanation)
    if method.latex:
        st.latex(method.latex)
    if method.params:
        st.markdown("\n".join(f"- *{p.label}* (`{p.name}`, default `{p.default}`)" + (f": {p.help}" if p.help else "")
                              for p in method.params))


def method_cards(methods: list[Method], *, title: str = "About these methods") -> None:
    with st.expander(title):
        tabs = st.tabs([m.label for m in methods])
        for tab, method in zip(tabs, methods):
            with tab:
                method_card(method)
