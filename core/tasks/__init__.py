"""Tasks describe themselves: `protocol` holds the classes (Task, Metric, OutputKind, Example, Output, Need);
the family modules hold each task's `score_<task>(truth, output, inputs)` and `example_<task>(seed)`:

- `restoration`: denoise, deblur, inpaint, diffuse, sketch, background;
- `segmentation`: segment, threshold, cluster, superpixels, components, skin, background_subtraction, outliers;
- `features`: keypoints, register, align_channels, stitch;
- `detection`: detect_faces, recognize_faces, detect_people.

The catalogue of tasks itself is in `core.registry`, beside the methods.
"""
