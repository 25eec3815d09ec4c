"""Page anatomy shared by every topic page: title, one line on what it compares, the chapter."""
from __future__ import annotations

import streamlit as st


def header(title: str, summary: str, chapter: str) -> None:
    st.title(title)
    st.markdown(f"{summary}  \n:gray[Book: *Image Processing and Computer Vision Masterclass with Python*, {chapter}.]")
