import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The app warms its pages' default views in a background thread (ui.warmup); in tests it would compete with them
# for the cores. Tests of the warm-up itself call it directly.
import os  # noqa: E402

os.environ.setdefault("IPCV_WARM_UP", "0")
