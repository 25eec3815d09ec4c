import streamlit as st
st.title("Background")
