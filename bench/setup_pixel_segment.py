"""`python -m bench threshold | cluster | superpixels`: the automatic (Chapter 3) segmentations scored by
IoU and Dice against a reference mask per image, with the same options as `python -m bench segment`
(`--reference MASK ...`; `sample:synthetic_objects` has its own). A label map is scored through its
best mask: each segment counts as foreground when most of its pixels are inside the reference.
The Mahalanobis method needs reference patches: with `--auto-inputs` (always on for samples with a known
mask) two are made from the reference (a square deep in the background, one deep inside the largest
object); otherwise it gets a skip line.
"""
from __future__ import annotations

import argparse

from bench.setup_segment import SETUP as SEGMENT_SETUP
from bench.setup_segment import SegmentDegradation, add_arguments, degradation
from bench.inputs import SAMPLE_PREFIX
from bench.tasks import Case, TaskSetup
from core.clustering import patches_from_mask
from core.registry import CLUSTER, SUPERPIXELS, THRESHOLD


class PatchDegradation(SegmentDegradation):
    """The segment degradation, plus synthetic reference patches for the Mahalanobis method."""

    def case(self, name: str, clean) -> Case:
        base = super().case(name, clean)
        patches = patches_from_mask(base.reference) if (self.auto or name.startswith(SAMPLE_PREFIX)) else None

        def prepare(method):
            if "patches" in method.needs:
                return method.arguments({"image": clean, "patches": patches})
            return base.prepare(method)

        return Case(base.image, base.reference, base.inputs, base.degraded, base.settings, prepare=prepare)


def _degradation(args: argparse.Namespace) -> PatchDegradation:
    segment = degradation(args)
    return PatchDegradation(segment.settings, segment.apply, per_image=segment.per_image, auto=segment.auto)


def _setup(task, what: str) -> TaskSetup:
    return TaskSetup(task, f"{what}, then score IoU and Dice against a reference mask per image",
                     add_arguments, _degradation, metrics=SEGMENT_SETUP.metrics)


THRESHOLD_SETUP = _setup(THRESHOLD, "threshold (global and local methods)")
CLUSTER_SETUP = _setup(CLUSTER, "cluster pixels (k-means, mixtures, spectral, mean shift, Mahalanobis)")
SUPERPIXELS_SETUP = _setup(SUPERPIXELS, "superpixels and RAG cuts")
