"""The Streamlit kit every page uses. Only this package (and pages/, app.py) imports streamlit."""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# Streamlit treats an app with a pages/ folder as an old-style multipage app until app.py calls
# st.navigation. A deep link such as /denoising opened first on a fresh server would then run the
# page without app.py (no navigation, no page config). Rerunning hands control back to app.py.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
