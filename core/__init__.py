"""Pure image-processing functions and the method registry; nothing here imports streamlit."""
import os

# TensorFlow, imported lazily by the few methods that train or load networks, prints oneDNN, CPU-instruction
# and absl notices on stderr unless told not to.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
