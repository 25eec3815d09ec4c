"""Deformable registration (book §5.5–5.6): SimpleITK B-spline and Demons, scikit-image optical flow.

Each method works on gray copies at a working size (so it answers in seconds), then resamples its
field to the full size and warps the full-size moving image.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from core.registration.common import check_pair, field_output, gray_pair
from core.registration.warp import resize_field, working_copy
from core.registry import REGISTER, Param, method

WORKING_SIZE = Param("working_size", "Working size (px)", 256, choices=(128, 192, 256, 384, 512),
                     help="The field is computed at this size, then scaled up to the image.")


def _working_pair(fixed, moving, side: int) -> tuple[np.ndarray, np.ndarray]:
    check_pair(fixed, moving)
    gray_fixed, gray_moving = gray_pair(fixed, moving, method="Deformable registration")
    return working_copy(gray_fixed, side), working_copy(gray_moving, side)


def _flow_output(rows: np.ndarray, cols: np.ndarray, fixed: np.ndarray, moving: np.ndarray):
    """scikit-image's (row, col) flow at the working size → the full-size (dx, dy) field and the warp."""
    field = np.stack([cols, rows], axis=-1).astype(np.float32)
    return field_output(moving, resize_field(field, fixed.shape[:2]))


def _sitk_field(transform, reference) -> np.ndarray:
    import SimpleITK as sitk

    displacement = sitk.TransformToDisplacementField(transform, sitk.sitkVectorFloat64, reference.GetSize(),
                                                     reference.GetOrigin(), reference.GetSpacing(),
                                                     reference.GetDirection())
    return sitk.GetArrayFromImage(displacement).astype(np.float32)  # (H, W, 2) as (dx, dy)


@method(task=REGISTER, key="bspline", label="B-spline (SimpleITK)", book="5.6.1", slow=True,
        summary="A free-form B-spline deformation, multi-resolution, fitted by gradient descent.",
        explanation="The deformation is a cubic B-spline on a coarse grid of control points; each point pulls "
        "its neighbourhood. SimpleITK's registration framework optimises the control points to maximise "
        "the similarity on an image pyramid, refining the grid at each level (the book's scale factors "
        "1, 2, 5). The book's settings take over a minute at 512²; a working size, random sampling of the "
        "metric and fewer iterations bring it to seconds.",
        latex=r"T(x) = x + \sum_{j} c_j\, \beta^3\!\left(\frac{x - x_j}{\delta}\right)",
        params=[
            Param("working_size", "Working size (px)", 128, choices=(64, 128, 192, 256, 384, 512),
                  help="The field is computed at this size, then scaled up; B-spline is slow above 128."),
            Param("mesh", "Initial mesh size", 4, min=1, max=8, help="Control-point cells per side (book: 2)."),
            Param("metric", "Similarity", "mean squares", choices=("mean squares", "correlation", "mattes MI",
                                                                   "joint histogram MI"),
                  help="Mean squares suits a pair of the same modality; the book uses joint-histogram MI."),
            Param("iterations", "Iterations per level", 30, min=10, max=200, help="Book: 100."),
            Param("sampling", "Metric sampling (%)", 25, min=5, max=100, help="Random share of pixels scored."),
        ])
def bspline(fixed, moving, *, working_size=128, mesh=4, metric="mean squares", iterations=30, sampling=25,
            progress: Callable[[float, str], None] | None = None):
    import SimpleITK as sitk

    small_fixed, small_moving = _working_pair(fixed, moving, working_size)
    image_fixed, image_moving = sitk.GetImageFromArray(small_fixed), sitk.GetImageFromArray(small_moving)
    transform = sitk.BSplineTransformInitializer(image_fixed, [int(mesh)] * 2)
    registration = sitk.ImageRegistrationMethod()
    if metric == "mean squares":
        registration.SetMetricAsMeanSquares()
    elif metric == "correlation":
        registration.SetMetricAsCorrelation()
    elif metric == "mattes MI":
        registration.SetMetricAsMattesMutualInformation(32)
    else:
        registration.SetMetricAsJointHistogramMutualInformation()
    if sampling < 100:
        registration.SetMetricSamplingStrategy(registration.RANDOM)
        registration.SetMetricSamplingPercentage(float(sampling) / 100, 1)
    registration.SetOptimizerAsGradientDescentLineSearch(5.0, int(iterations), convergenceMinimumValue=1e-4,
                                                         convergenceWindowSize=5)
    registration.SetOptimizerScalesFromPhysicalShift()
    registration.SetInterpolator(sitk.sitkLinear)
    registration.SetInitialTransformAsBSpline(transform, inPlace=True, scaleFactors=[1, 2, 4])
    registration.SetShrinkFactorsPerLevel([4, 2, 1])
    registration.SetSmoothingSigmasPerLevel([2, 1, 0])
    values: list[float] = []
    total = 3 * int(iterations)

    def on_iteration():
        values.append(registration.GetMetricValue())
        if progress is not None:
            level = registration.GetCurrentLevel()
            progress(min(1.0, len(values) / total), f"level {level + 1}/3, iteration {len(values)}")

    registration.AddCommand(sitk.sitkIterationEvent, on_iteration)
    try:
        final = registration.Execute(image_fixed, image_moving)
    except RuntimeError as exc:
        raise ValueError(f"The B-spline registration failed in SimpleITK: {str(exc).splitlines()[-1]}") from None
    field = resize_field(_sitk_field(final, image_fixed), fixed.shape[:2])
    return field_output(moving, field, metric_curve=np.asarray(values, np.float32),
                        stop=registration.GetOptimizerStopConditionDescription(),
                        parameters=int(len(transform.GetParameters())))


@method(task=REGISTER, key="demons", label="Demons (SimpleITK)", book="5.6.2",
        summary="Fast symmetric-forces Demons: optical-flow forces, smoothed by a Gaussian each iteration.",
        explanation="Demons treats registration as diffusion: at each pixel a force proportional to the intensity "
        "difference times the gradient pushes the moving image, and the field is smoothed with a Gaussian after "
        "every iteration, which keeps it regular. The symmetric variant averages the fixed and moving gradients. "
        "It assumes equal intensities for corresponding pixels, so the moving image is histogram-matched first.",
        latex=r"u \leftarrow G_\sigma * \left(u + \frac{(M\circ(x+u) - F)\,\nabla}"
              r"{\|\nabla\|^2 + (M\circ(x+u) - F)^2}\right)",
        params=[
            WORKING_SIZE,
            Param("variant", "Demons variant", "fast symmetric", choices=("fast symmetric", "symmetric",
                                                                          "diffeomorphic", "classic")),
            Param("iterations", "Iterations", 50, min=10, max=500, help="Book: 200; 50 is often as good."),
            Param("smoothing", "Field smoothing σ", 1.5, min=0.5, max=5.0, step=0.25, help="Book: 1.0."),
            Param("match_histograms", "Histogram matching", True),
        ])
def demons(fixed, moving, *, working_size=256, variant="fast symmetric", iterations=50, smoothing=1.5,
           match_histograms=True, progress: Callable[[float, str], None] | None = None):
    import SimpleITK as sitk

    small_fixed, small_moving = _working_pair(fixed, moving, working_size)
    image_fixed, image_moving = sitk.GetImageFromArray(small_fixed), sitk.GetImageFromArray(small_moving)
    if match_histograms:
        matcher = sitk.HistogramMatchingImageFilter()
        matcher.SetNumberOfHistogramLevels(1024)
        matcher.SetNumberOfMatchPoints(7)
        matcher.ThresholdAtMeanIntensityOn()
        image_moving = matcher.Execute(image_moving, image_fixed)
    filters = {"fast symmetric": sitk.FastSymmetricForcesDemonsRegistrationFilter,
               "symmetric": sitk.SymmetricForcesDemonsRegistrationFilter,
               "diffeomorphic": sitk.DiffeomorphicDemonsRegistrationFilter,
               "classic": sitk.DemonsRegistrationFilter}
    engine = filters[variant]()
    engine.SetNumberOfIterations(int(iterations))
    engine.SetStandardDeviations(float(smoothing))
    values: list[float] = []

    def on_iteration():
        values.append(engine.GetMetric())
        if progress is not None:
            progress(min(1.0, len(values) / iterations), f"iteration {len(values)}")

    engine.AddCommand(sitk.sitkIterationEvent, on_iteration)
    displacement = engine.Execute(image_fixed, image_moving)
    field = resize_field(sitk.GetArrayFromImage(displacement).astype(np.float32), fixed.shape[:2])
    return field_output(moving, field, metric_curve=np.asarray(values, np.float32),
                        rms_change=float(engine.GetRMSChange()))


@method(task=REGISTER, key="tvl1", label="Optical flow TV-L1", book="5.5",
        summary="scikit-image's TV-L1 optical flow: an L1 data term and total-variation smoothness.",
        explanation="TV-L1 finds the field that makes the warped moving image equal to the fixed one in the L1 "
        "sense (robust to outliers) while penalising the total variation of the field, which keeps it smooth "
        "but allows sharp motion boundaries. It is solved by a primal-dual scheme on a pyramid, re-warping the "
        "image a few times per level.",
        latex=r"\min_u \int \lambda\, |M(x + u(x)) - F(x)| + |\nabla u_x| + |\nabla u_y|\; dx",
        params=[
            WORKING_SIZE,
            Param("attachment", "Data attachment λ", 15.0, min=1.0, max=100.0, step=1.0,
                  help="Larger follows the images more closely, smaller gives a smoother field."),
            Param("tightness", "Tightness", 0.3, min=0.05, max=1.0, step=0.05),
            Param("num_warp", "Warps per level", 3, min=1, max=10),
            Param("num_iter", "Iterations per warp", 10, min=5, max=50),
        ])
def tvl1(fixed, moving, *, working_size=256, attachment=15.0, tightness=0.3, num_warp=3, num_iter=10):
    from skimage.registration import optical_flow_tvl1

    small_fixed, small_moving = _working_pair(fixed, moving, working_size)
    rows, cols = optical_flow_tvl1(small_fixed, small_moving, attachment=float(attachment),
                                   tightness=float(tightness), num_warp=int(num_warp), num_iter=int(num_iter))
    return _flow_output(rows, cols, fixed, moving)


@method(task=REGISTER, key="ilk", label="Optical flow ILK", book="5.5",
        summary="scikit-image's iterative Lucas–Kanade: a local least-squares flow in each window.",
        explanation="Lucas–Kanade assumes the motion is constant in a small window and solves a 2×2 "
        "least-squares system of image gradients there; the iterative version re-warps and repeats, on a "
        "pyramid, to reach larger motions. It is fast and works well for smooth fields.",
        latex=r"\min_{u} \sum_{x \in W} \left(\nabla M^\top u + M - F\right)^2",
        params=[
            WORKING_SIZE,
            Param("radius", "Window radius (px)", 7, min=2, max=20),
            Param("num_warp", "Warps", 10, min=1, max=20),
            Param("gaussian", "Gaussian window", True),
        ])
def ilk(fixed, moving, *, working_size=256, radius=7, num_warp=10, gaussian=True):
    from skimage.registration import optical_flow_ilk

    small_fixed, small_moving = _working_pair(fixed, moving, working_size)
    rows, cols = optical_flow_ilk(small_fixed, small_moving, radius=int(radius), num_warp=int(num_warp),
                                  gaussian=bool(gaussian))
    return _flow_output(rows, cols, fixed, moving)
