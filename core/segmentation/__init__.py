"""Segmentation kit shared by every Chapter 3-4 page (pure: no Streamlit).

Guide for page authors
----------------------
Result conventions (what a registered segmentation method returns as `Output.image`):
- a **bool mask** (H, W) when the result is foreground vs background (GrabCut, thresholds, ...);
- an **int32 label map** (H, W) when it has several segments (k-means, SLIC, watershed, ...).
  For the interactive methods here, label 1 is the background and labels >= 2 are objects;
  0 may mark unlabelled pixels or watershed lines.

Modules
- `metrics`:   `iou`, `dice`, `foreground` (mask or labels -> bool foreground, with majority mapping of
               labels onto a reference), `segment_count`, `agreement` (IoU for masks, best-match IoU for
               label maps), `pairwise_agreement`. The segmentation tasks' scores (IoU, Dice, segments) are
               `core.tasks.segmentation.score_segment`, which the app and the bench call.
- `overlay`:   `overlay(image, result)` (tinted segments + boundaries, RGB float), `legend(result)`
               (label, colour, pixel count), `error_overlay(reference, mask)` (TP/FP/FN colours),
               `draw_inputs(image, scribbles=, rect=, seeds=)` to show what the user gave.
- `synthetic`: `objects_scene(size, seed)` -> (image, mask): objects on textured backgrounds with a known
               mask; `reference_for_sample(name, shape)`; `scribbles_from_mask`, `rect_from_mask`,
               `seeds_from_mask` (synthetic user input for tests and the bench).
- `inputs`:    checks of the extra inputs a method may declare in `Method.needs` ("scribbles", "rect",
               "seeds", "strokes" = optional refinement scribbles), declared in `core.tasks.protocol.NEEDS`;
               `Method.arguments(available)` builds the positional inputs or raises `MissingInput` (a
               ValueError with a sentence saying what to draw).

Streamlit side: `ui.compare(task, {"image": image, "scribbles": ..., "rect": ...}, truth=reference)` draws the
method picker, parameter panels, the overlays with IoU/Dice/segments/time captions and the tabs Compare (bars,
pairwise agreement heatmap, synced zoom), Sweep, History and Export.
"""
