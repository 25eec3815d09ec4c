"""Image setup of the `decode_codes` task: each image is read as it is by every decoder.

Truth, when there is one, gives the decode rate, the correct payloads and the false decodes in the records:
- `--truth FILE.json`: the payloads per image, keyed by the image's name as the table shows it or by its file name:
  {"shelf.jpg": ["9789389898644", "https://example.org"]} ([] = the image holds no code: every decode is false);
- otherwise a text file beside the image with the same stem (`shelf.jpg` -> `shelf.txt`), one payload per line;
- otherwise none: only the number of codes decoded and the time.

Every record also carries what was decoded, `codes: [{symbology, text, polygon}]`. Codes need detail: give
`--max-side` large enough that a module spans at least ~2 pixels.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.cases import Case, Degradation, ImageSetup
from core.registry import DECODE_CODES


def _arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("true payloads")
    group.add_argument("--truth", metavar="FILE.json",
                       help="true payloads per image name (see bench/setup_codes.py); else NAME.txt beside the image")


def read_truth(path: str | None) -> dict[str, list[str]]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"--truth {path}: could not read it as JSON ({error}).") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) and all(isinstance(t, str) for t in v)
                                             for v in data.values()):
        raise ValueError(f"--truth {path}: expected {{\"image name\": [\"payload\", ...], ...}}.")
    return data


def sidecar(name: str) -> list[str] | None:
    """The payloads in NAME.txt beside an image file, one per line (None when there is no such file)."""
    path = Path(name).with_suffix(".txt")
    try:
        if path.is_file() and path.stat().st_size <= 1 << 20:
            return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return None


def _degradation(args: argparse.Namespace) -> Degradation:
    given = read_truth(getattr(args, "truth", None))
    settings = {"truth": getattr(args, "truth", None) or "NAME.txt beside each image, where there is one"}

    def make(name: str, image) -> Case:
        truth = given.get(name, given.get(Path(name).name))
        if truth is None and not name.startswith("sample:"):
            truth = sidecar(name)
        return Case(name, {"image": image}, truth, settings)

    return Degradation(settings, make)


CODES_SETUP = ImageSetup(DECODE_CODES, "run each decoder on each image as it is; with true payloads (--truth or "
                                       "NAME.txt beside the image), the decode rate and false decodes",
                         _arguments, _degradation)
