"""Interactive segmentation (book §3.5-3.8 and exercise 3.Q2): watershed (user markers, automatic
markers, SimpleITK), GrabCut, random walker, fast marching and a geodesic active contour.

Every method returns a bool foreground mask when the user gave two labels (background, object),
or an int32 label map (1 = background, >= 2 objects, 0 = watershed lines) when there are more.
"""
from __future__ import annotations

import warnings

import numpy as np

from core.image import to_gray, to_rgb, to_uint8
from core.registry import SEGMENT, Output, Param, fresh_opencv_rng, method
from core.segmentation.inputs import check_rect, check_scribbles, check_seeds


def _result(labels: np.ndarray) -> np.ndarray:
    """Two labels (1 background, 2 object) become a mask; more stay a label map."""
    labels = labels.astype(np.int32)
    present = np.unique(labels[labels > 0])
    if present.size <= 2 and set(present.tolist()) <= {1, 2}:
        return labels == 2
    return labels


def _fill_lines(labels: np.ndarray) -> np.ndarray:
    """Give watershed-line pixels (<= 0) the label of a neighbour."""
    from scipy import ndimage

    labels = labels.copy()
    lines = labels <= 0
    if lines.any():
        grown = ndimage.grey_dilation(np.where(lines, 0, labels), size=3)
        labels[lines] = grown[lines]
    return labels


# -- watershed -----------------------------------------------------------------------------------

@method(task=SEGMENT, key="watershed_markers", label="Watershed from painted markers (OpenCV)", book="3.5.1",
        needs=("scribbles",),
        summary="Floods the colour image from the labels you paint; floods of different labels meet at edges.",
        explanation="Each painted label is a source of water. OpenCV's watershed lets the floods rise through the "
                    "image's colour gradient in order of height, so two floods meet (and a dam is built) on the "
                    "strongest edge between the strokes. Paint label 1 on the background and 2, 3, … on objects.",
        latex=r"L(p)=\text{label of the marker whose flood reaches } p \text{ first, in order of } |\nabla I|",
        params=[Param("smoothing", "Pre-smoothing σ (px)", 1.0, min=0.0, max=5.0, step=0.25,
                      help="A Gaussian blur before flooding: ignores texture and noise edges.")])
def watershed_markers(image, scribbles, *, smoothing=1.0):
    import cv2

    markers = check_scribbles(scribbles, image.shape, method="Marker watershed")
    rgb = to_rgb(image)
    if smoothing > 0:
        rgb = cv2.GaussianBlur(rgb, (0, 0), smoothing)
    bgr = cv2.cvtColor(to_uint8(rgb), cv2.COLOR_RGB2BGR)
    flooded = cv2.watershed(bgr, markers.copy())
    return _result(_fill_lines(flooded))


@method(task=SEGMENT, key="watershed_distance", label="Watershed, automatic markers (distance transform)",
        book="3.5.1",
        summary="Otsu, clean-up, then one marker per distance-transform peak: splits touching round objects.",
        explanation="The book's coins pipeline: Otsu binarisation, a morphological opening, the Euclidean distance "
                    "transform of the objects and one marker per object core; pixels surely outside (beyond a "
                    "dilation) form the background marker. The book's sure-foreground factor 0.0001 of the "
                    "maximum distance leaves touching objects merged; here markers are local maxima of the "
                    "distance at least *min distance* apart, or a fraction of the maximum.",
        latex=r"D(p)=\min_{q\notin F}\lVert p-q\rVert,\quad \text{markers}=\text{peaks of }D",
        params=[Param("polarity", "Objects are", "auto", choices=("auto", "bright", "dark"),
                      help="Auto takes the minority side of the Otsu threshold as the objects."),
                Param("opening", "Opening iterations", 2, min=0, max=5,
                      help="3×3 openings that remove specks before the distance transform."),
                Param("markers", "Markers from", "peaks", choices=("peaks", "fraction"),
                      help="Peaks: local maxima of the distance; fraction: distance above a share of its maximum."),
                Param("min_distance", "Min distance between peaks (px)", 10, min=2, max=40),
                Param("fraction", "Fraction of max distance", 0.5, min=0.05, max=0.9, step=0.05)])
def watershed_distance(image, *, polarity="auto", opening=2, markers="peaks", min_distance=10, fraction=0.5):
    import cv2
    from skimage.feature import peak_local_max
    from skimage.filters import threshold_otsu

    gray = to_gray(image)
    if gray.max() - gray.min() < 1e-6:
        raise ValueError("The image is flat: there is nothing to separate.")
    objects = gray > threshold_otsu(gray)
    if polarity == "dark" or (polarity == "auto" and objects.mean() > 0.5):
        objects = ~objects
    kernel = np.ones((3, 3), np.uint8)
    binary = cv2.morphologyEx(objects.astype(np.uint8), cv2.MORPH_OPEN, kernel, iterations=int(opening))
    sure_bg = cv2.dilate(binary, kernel, iterations=3)
    distance = cv2.distanceTransform(binary, cv2.DIST_L2, 5)
    if distance.max() <= 0:
        raise ValueError("No objects left after the opening: lower the opening iterations.")
    if markers == "peaks":
        peaks = peak_local_max(distance, min_distance=int(min_distance), labels=binary, exclude_border=False)
        sure_fg = np.zeros(binary.shape, np.uint8)
        sure_fg[tuple(peaks.T)] = 1
        sure_fg = cv2.dilate(sure_fg, kernel, iterations=1) & binary
    else:
        sure_fg = (distance > fraction * distance.max()).astype(np.uint8)
    _, seeds = cv2.connectedComponents(sure_fg)
    marker_image = (seeds + 1).astype(np.int32)  # background 1, objects 2..
    marker_image[(sure_bg == 1) & (sure_fg == 0)] = 0  # unknown: let the flood decide
    bgr = cv2.cvtColor(to_uint8(to_rgb(gray)), cv2.COLOR_RGB2BGR)
    flooded = _fill_lines(cv2.watershed(bgr, marker_image))
    return Output(flooded.astype(np.int32), extras={"distance transform": distance})


@method(task=SEGMENT, key="watershed_sitk", label="Morphological watershed (SimpleITK)", book="3.5.2",
        needs=("scribbles",),
        summary="Floods the gradient magnitude from your markers with SimpleITK.",
        explanation="SimpleITK computes a smoothed gradient magnitude and floods it only from the marker image "
                    "(regional minima elsewhere are ignored), which prevents the over-segmentation of a plain "
                    "watershed. The book's three single-pixel markers are fragile; strokes work better.",
        latex=r"f=\lVert\nabla (G_\sigma * I)\rVert,\quad L=\mathrm{WS}_{\text{markers}}(f)",
        params=[Param("sigma", "Gradient σ (px)", 1.0, min=0.25, max=5.0, step=0.25,
                      help="Scale of the recursive-Gaussian gradient.")])
def watershed_sitk(image, scribbles, *, sigma=1.0):
    import SimpleITK as sitk

    markers = check_scribbles(scribbles, image.shape, method="SimpleITK watershed")
    gray = sitk.GetImageFromArray(to_gray(image).astype(np.float32))
    feature = sitk.GradientMagnitudeRecursiveGaussian(gray, sigma=float(sigma))
    marker_image = sitk.GetImageFromArray(markers.astype(np.uint32))
    flooded = sitk.MorphologicalWatershedFromMarkers(feature, marker_image, markWatershedLine=False,
                                                     fullyConnected=False)
    return _result(_fill_lines(sitk.GetArrayFromImage(flooded).astype(np.int32)))


# -- GrabCut -------------------------------------------------------------------------------------

@method(task=SEGMENT, key="grabcut", label="GrabCut (OpenCV)", book="3.6", needs=("rect", "strokes"),
        summary="Colour mixture models plus a graph cut, from a rectangle; strokes fix what it got wrong.",
        explanation="Outside the rectangle is surely background. GrabCut fits Gaussian mixture models to the "
                    "colours of the background and of the (probable) foreground, labels every pixel with a "
                    "min-cut that trades colour likelihood against smoothness across similar neighbours, refits "
                    "the models and cuts again. Strokes (label 1 background, label 2 object) become hard "
                    "constraints for a refinement.",
        latex=r"E(x)=\sum_i -\log p(z_i\mid x_i)+\lambda\sum_{(i,j)} [x_i\ne x_j]\,e^{-\beta\lVert z_i-z_j\rVert^2}",
        params=[Param("iterations", "Iterations", 3, min=1, max=10,
                      help="Model refits and cuts (the book uses 5; 3 is usually converged and faster).")])
def grabcut(image, rect, strokes=None, *, iterations=3, progress=None):
    import cv2

    x, y, w, h = check_rect(rect, image.shape, method="GrabCut")
    bgr = cv2.cvtColor(to_uint8(to_rgb(image)), cv2.COLOR_RGB2BGR)
    mask = np.zeros(image.shape[:2], np.uint8)  # GC_BGD outside the rectangle
    mask[y:y + h, x:x + w] = cv2.GC_PR_FGD
    if strokes is not None:
        strokes = np.asarray(strokes)
        if strokes.shape != image.shape[:2]:
            raise ValueError("The strokes do not match the image size.")
        mask[strokes == 1] = cv2.GC_BGD
        mask[strokes >= 2] = cv2.GC_FGD
    if not np.any((mask == cv2.GC_BGD)):
        raise ValueError("GrabCut needs some background: the rectangle must leave part of the image outside.")
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    fresh_opencv_rng()  # the colour models start from k-means++ on this RNG; the colour splash calls this directly
    for i in range(int(iterations)):
        mode = cv2.GC_INIT_WITH_MASK if i == 0 else cv2.GC_EVAL
        cv2.grabCut(bgr, mask, None, background, foreground, 1, mode)
        if progress is not None:
            progress((i + 1) / iterations, f"iteration {i + 1}/{iterations}")
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


# -- random walker -------------------------------------------------------------------------------

def _downscale_labels(labels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scribbles at a smaller size: a coarse pixel takes a label when any of its fine pixels has it, and
    stays unlabelled when two labels meet in it (thin strokes survive; no label is invented)."""
    import cv2

    out = np.zeros(size[::-1], np.int32)
    clash = np.zeros(size[::-1], bool)
    for label in np.unique(labels[labels > 0]):
        hit = cv2.resize((labels == label).astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
        clash |= hit & (out > 0)
        out[hit] = label
    out[clash] = 0
    return out


@method(task=SEGMENT, key="random_walker", label="Random walker (scikit-image)", book="3.7", needs=("scribbles",),
        summary="Each pixel takes the label a random walker from it would most likely reach first.",
        explanation="Neighbouring pixels are joined by edges weighted by their similarity; for each label a "
                    "sparse linear system (a discrete Dirichlet problem) gives the probability that a walk "
                    "started at a pixel reaches that label's scribbles first. A larger β makes crossing an "
                    "intensity edge less likely, so boundaries cling to edges (it does not smooth more, as the "
                    "book says). One call gives both the labels and the probabilities (the book used two "
                    "different β). For speed the system is solved at a smaller working size and the "
                    "probabilities are interpolated back; the scribbled pixels keep their labels.",
        latex=r"w_{ij}=\exp\!\big(-\beta\,\lVert g_i-g_j\rVert^2\big),\quad L\,x^{s}=0 \text{ with } x^s=1 "
              r"\text{ on seeds of } s",
        params=[Param("beta", "β (edge sensitivity)", 500.0, min=1.0, max=5000.0, log=True,
                      help="scikit-image's default is 130 and the book used 1 (labels) and 9 (probabilities); "
                           "500 follows edges better on textured gray images."),
                Param("mode", "Solver", "bf", choices=("bf", "cg_j", "cg"),
                      help="bf: direct sparse LU (brute force), the fastest at these sizes; cg_j / cg: conjugate "
                           "gradient with / without a Jacobi preconditioner (scikit-image's default cg_j took "
                           "40 s at 512² here)."),
                Param("solve_size", "Working size of the solve (max side, px)", 160, min=64, max=512, step=32,
                      help="The walk is solved on the image downscaled to this size, then interpolated back.")])
def random_walker(image, scribbles, *, beta=500.0, mode="bf", solve_size=160):
    import cv2
    from skimage.segmentation import random_walker as walk

    markers = check_scribbles(scribbles, image.shape, method="Random walker")
    height, width = image.shape[:2]
    scale = min(1.0, solve_size / max(height, width))
    small_size = (max(8, round(width * scale)), max(8, round(height * scale)))
    small = image if scale == 1.0 else cv2.resize(image, small_size, interpolation=cv2.INTER_AREA)
    small_markers = markers if scale == 1.0 else _downscale_labels(markers, small_size)
    labels = np.unique(markers[markers > 0])
    if np.unique(small_markers[small_markers > 0]).size < labels.size:
        raise ValueError("Some scribbles vanished at the solve's working size (strokes of different labels "
                         "touch): raise the working size or draw them further apart.")
    channel_axis = -1 if image.ndim == 3 else None
    with warnings.catch_warnings():  # "probability outside [0, 1] given the tolerance": harmless for argmax
        warnings.simplefilter("ignore", UserWarning)
        probabilities = walk(small, small_markers, beta=float(beta), mode=mode, tol=1e-3, channel_axis=channel_axis,
                             return_full_prob=True)
    if scale != 1.0:
        probabilities = np.stack([cv2.resize(p.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
                                  for p in probabilities])
    result = labels[np.argmax(probabilities, axis=0)]
    result[markers > 0] = markers[markers > 0]
    extras = {}
    if 2 in labels:
        extras["object probability"] = np.clip(probabilities[list(labels).index(2)], 0, 1).astype(np.float32)
    return Output(_result(result), extras=extras)


# -- level sets ----------------------------------------------------------------------------------

def _speed(image, *, diffusion_iterations, conductance, sigma, alpha, beta):
    """The book's §3.8 speed image: diffuse, gradient magnitude, rescale to 0-255, sigmoid (high in flat areas)."""
    import SimpleITK as sitk

    gray = sitk.GetImageFromArray(to_gray(image).astype(np.float32) * 255.0)
    if diffusion_iterations > 0:
        gray = sitk.CurvatureAnisotropicDiffusion(gray, timeStep=0.125, conductanceParameter=float(conductance),
                                                  numberOfIterations=int(diffusion_iterations))
    gradient = sitk.GradientMagnitudeRecursiveGaussian(gray, sigma=float(sigma))
    gradient = sitk.RescaleIntensity(gradient, 0.0, 255.0)
    return sitk.Sigmoid(gradient, alpha=float(alpha), beta=float(beta), outputMaximum=1.0, outputMinimum=0.0)


_SPEED_PARAMS = [
    Param("diffusion_iterations", "Diffusion iterations", 5, min=0, max=20,
          help="Curvature anisotropic diffusion steps before the gradient (book: 5, time step 0.125)."),
    Param("conductance", "Diffusion conductance", 9.0, min=1.0, max=20.0, step=0.5),
    Param("sigma", "Gradient σ (px)", 0.5, min=0.25, max=5.0, step=0.25,
          help="The book uses 0.25; a larger σ ignores fine texture edges but blurs the object's edge."),
    Param("alpha", "Sigmoid α", -5.0, min=-20.0, max=-0.5, step=0.5,
          help="Negative: speed falls as the gradient rises; smaller |α| is a softer fall (book: -3)."),
    Param("beta", "Sigmoid β (edge level, 0-255)", 60.0, min=0.0, max=150.0, step=1.0,
          help="The gradient level (of the 0-255 rescaled gradient) where the speed is halved (book: 10, "
               "tuned to its image; too low stops the front at texture, too high lets it leak)."),
]


@method(task=SEGMENT, key="fast_marching", label="Fast marching (SimpleITK)", book="3.8", needs=("seeds",),
        summary="A front grows from your seed points, fast in flat areas and slow at edges; stop it at a time.",
        explanation="The speed image is a sigmoid of the (diffused) gradient magnitude: near 1 in homogeneous "
                    "areas and near 0 on edges. Fast marching solves the Eikonal equation for the arrival time T "
                    "of a front started at the seeds; the region is every pixel reached before the stopping time.",
        latex=r"\lVert\nabla T\rVert\,F=1,\qquad \Omega=\{p: T(p)<t_{\text{stop}}\}",
        params=_SPEED_PARAMS + [Param("stopping_time", "Stopping time", 300.0, min=5.0, max=2000.0, log=True,
                                      help="Pixels reached later than this are background (book: 100). About "
                                           "the distance in pixels the front may travel through flat areas.")])
def fast_marching(image, seeds, *, diffusion_iterations=5, conductance=9.0, sigma=0.5, alpha=-5.0, beta=60.0,
                  stopping_time=300.0):
    import SimpleITK as sitk

    points = check_seeds(seeds, image.shape, method="Fast marching")
    speed = _speed(image, diffusion_iterations=diffusion_iterations, conductance=conductance, sigma=sigma,
                   alpha=alpha, beta=beta)
    marcher = sitk.FastMarchingImageFilter()
    for x, y in points:
        marcher.AddTrialPoint((x, y, 0))
    marcher.SetStoppingValue(float(stopping_time) * 1.1)
    arrival = sitk.GetArrayFromImage(marcher.Execute(speed))
    mask = arrival < float(stopping_time)
    shown = np.where(arrival < float(stopping_time) * 1.1, arrival, np.nan).astype(np.float32)
    return Output(mask, extras={"arrival time": shown, "speed": sitk.GetArrayFromImage(speed).astype(np.float32)})


@method(task=SEGMENT, key="geodesic_contour", label="Geodesic active contour (SimpleITK)", book="3.Q2",
        needs=("seeds",), slow=True,
        summary="Small circles at your seeds inflate and lock onto edges (the chapter's exercise).",
        explanation="A level-set function φ starts as circles around the seeds. It evolves with a propagation "
                    "(balloon) force, a curvature term that keeps the contour smooth and an advection term that "
                    "pulls it into the valleys of the edge-stopping speed g (the same sigmoid speed as fast "
                    "marching). The contour is φ's zero level.",
        latex=r"\frac{\partial\phi}{\partial t}=g\,(c+\kappa)\,\lVert\nabla\phi\rVert+\nabla g\cdot\nabla\phi",
        params=_SPEED_PARAMS + [
            Param("radius", "Initial circle radius (px)", 5, min=2, max=60),
            Param("propagation", "Propagation scaling", 1.0, min=0.0, max=5.0, step=0.1,
                  help="The balloon force that inflates the contour."),
            Param("curvature", "Curvature scaling", 0.5, min=0.0, max=5.0, step=0.1),
            Param("advection", "Advection scaling", 1.0, min=0.0, max=5.0, step=0.1),
            Param("iterations", "Iterations", 1000, min=50, max=3000, step=50,
                  help="The front moves about a quarter pixel per iteration; it stops early once converged.")])
def geodesic_contour(image, seeds, *, diffusion_iterations=5, conductance=9.0, sigma=0.5, alpha=-5.0, beta=60.0,
                     radius=5, propagation=1.0, curvature=0.5, advection=1.0, iterations=1000, progress=None):
    import SimpleITK as sitk

    points = check_seeds(seeds, image.shape, method="The geodesic active contour")
    speed = _speed(image, diffusion_iterations=diffusion_iterations, conductance=conductance, sigma=sigma,
                   alpha=alpha, beta=beta)
    height, width = image.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width]
    distance = np.full((height, width), np.inf, np.float32)
    for x, y in points:
        distance = np.minimum(distance, np.hypot(xx - x, yy - y).astype(np.float32))
    initial = sitk.GetImageFromArray(distance - float(radius))  # negative inside the circles
    gac = sitk.GeodesicActiveContourLevelSetImageFilter()
    gac.SetPropagationScaling(float(propagation))
    gac.SetCurvatureScaling(float(curvature))
    gac.SetAdvectionScaling(float(advection))
    gac.SetMaximumRMSError(0.002)
    chunk = 250
    level = initial
    done = 0
    while done < iterations:
        step = min(chunk, int(iterations) - done)
        gac.SetNumberOfIterations(step)
        level = gac.Execute(level, sitk.Cast(speed, sitk.sitkFloat32))
        done += step
        if progress is not None:
            progress(done / iterations, f"iteration {done}/{iterations}")
        if gac.GetElapsedIterations() < step:  # converged
            break
    phi = sitk.GetArrayFromImage(level)
    return Output(phi < 0, extras={"level set": phi.astype(np.float32)})
