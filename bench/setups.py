"""The image setups, by task name: the tasks that also run on image files (every task runs on its examples)."""
from __future__ import annotations

from bench.cases import ImageSetup
from bench.setup_classify import CLASSIFY_SETUP
from bench.setup_codes import CODES_SETUP
from bench.setup_features import REGISTER_SETUP, STITCH_SETUP
from bench.setup_detect import DETECT_SETUP
from bench.setup_restoration import DEBLUR_SETUP, DENOISE_SETUP, INPAINT_SETUP
from bench.setup_segment import CLUSTER_SETUP, SEGMENT_SETUP, SUPERPIXELS_SETUP, THRESHOLD_SETUP

SETUPS: dict[str, ImageSetup] = {setup.task.name: setup for setup in (
    DENOISE_SETUP, DEBLUR_SETUP, INPAINT_SETUP, SEGMENT_SETUP, THRESHOLD_SETUP, CLUSTER_SETUP, SUPERPIXELS_SETUP,
    REGISTER_SETUP, STITCH_SETUP, DETECT_SETUP, CODES_SETUP, CLASSIFY_SETUP)}
