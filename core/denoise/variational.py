"""Energy-minimisation denoisers: total variation (Chambolle, split Bregman), MAP with an MRF prior,
and Perona–Malik diffusion."""
from __future__ import annotations

from typing import Callable

import numpy as np

from core.denoise.common import channel_axis, checked, finished, resolve_sigma, sigma_param
from core.diffusion import CONDUCTIONS, perona_malik as _perona_malik
from core.registry import DENOISE, Param, method

PRIORS = ("quadratic", "huber", "log_adaptive")
BOUNDARIES = ("reflect", "periodic")

_TV_EXPLANATION = (
    "Total variation is the summed size of the image gradient. Natural images have mostly small "
    "gradients with a few large ones at edges, so penalising the L1 norm of the gradient removes noise "
    "while still allowing sharp jumps; flat regions come out piecewise constant (a 'cartoon' look) and "
    "fine texture is flattened.")


@method(task=DENOISE, key="tv_chambolle", label="Total variation (Chambolle)", book="1.6.1",
        params=[sigma_param("The weight is tied to it."),
                Param("weight", "Weight (× σ)", 0.8, min=0.05, max=5.0, step=0.05, log=True,
                      help="Smoothing weight as a multiple of the noise σ on the [0, 1] scale (weight = value × σ; "
                           "at σ = 25/255, 0.8 gives 0.078). Larger removes more noise and more detail."),
                Param("max_iter", "Max iterations", 200, min=10, max=500, step=10,
                      help="Upper bound on Chambolle's projection iterations; it usually stops earlier.")],
        summary="Rudin–Osher–Fatemi total-variation denoising solved by Chambolle's dual projection.",
        explanation=_TV_EXPLANATION + (
            " Chambolle's algorithm solves the dual of this convex problem by a fixed-point projection; the "
            "weight multiplies the TV term, so larger means smoother."),
        latex=r"\hat f = \arg\min_u \; \mathrm{TV}(u) + \frac{1}{2\lambda}\|u - g\|_2^2,"
              r"\qquad \mathrm{TV}(u) = \sum_s |\nabla u(s)|")
def tv_chambolle(image, *, sigma=0.0, weight=0.8, max_iter=200):
    """skimage.restoration.denoise_tv_chambolle with weight = weight × σ."""
    from skimage.restoration import denoise_tv_chambolle

    image = checked(image)
    if weight <= 0:
        raise ValueError("The TV weight must be positive.")
    strength = weight * resolve_sigma(image, sigma)
    out = denoise_tv_chambolle(image, weight=strength, max_num_iter=int(max_iter), channel_axis=channel_axis(image))
    return finished(out)


def _bregman_params(default_weight: float) -> list[Param]:
    return [
        sigma_param("The fidelity weight is tied to it."),
        Param("weight", "Fidelity weight (× 1/σ)", default_weight, min=0.05, max=5.0, step=0.05, log=True,
              help="Weight of the data term, in units of 1/σ (solver weight = value / σ on the [0, 1] scale). "
                   "This is a fidelity weight: SMALLER means SMOOTHER, the opposite of Chambolle's weight."),
        Param("max_iter", "Max iterations", 100, min=10, max=500, step=10,
              help="Upper bound on split-Bregman iterations; it usually stops earlier."),
    ]


def _tv_bregman(image, sigma, weight, max_iter, isotropic):
    from skimage.restoration import denoise_tv_bregman

    image = checked(image)
    if weight <= 0:
        raise ValueError("The fidelity weight must be positive.")
    fidelity = weight / resolve_sigma(image, sigma)
    out = denoise_tv_bregman(image, weight=fidelity, max_num_iter=int(max_iter), isotropic=isotropic,
                             channel_axis=channel_axis(image))
    return finished(out)


_BREGMAN_EXPLANATION = _TV_EXPLANATION + (
    " Split Bregman introduces an auxiliary variable d ≈ ∇u and alternates a least-squares update of u, "
    "a soft-threshold (shrinkage) update of d and an update of the Bregman variable. Its weight multiplies "
    "the data term, so a smaller weight gives a smoother result.")


@method(task=DENOISE, key="tv_bregman_iso", label="Total variation (split Bregman, isotropic)", book="1.6.2",
        params=_bregman_params(0.5),
        summary="TV denoising by split Bregman with the rotation-invariant (isotropic) gradient norm.",
        explanation=_BREGMAN_EXPLANATION + " The isotropic norm √(u_x² + u_y²) treats all edge directions alike.",
        latex=r"\hat f = \arg\min_u \; \sum_s \sqrt{u_x(s)^2 + u_y(s)^2} + \frac{\mu}{2}\|u - g\|_2^2")
def tv_bregman_iso(image, *, sigma=0.0, weight=0.5, max_iter=100):
    """skimage.restoration.denoise_tv_bregman(isotropic=True) with weight = weight / σ."""
    return _tv_bregman(image, sigma, weight, max_iter, isotropic=True)


@method(task=DENOISE, key="tv_bregman_aniso", label="Total variation (split Bregman, anisotropic)",
        book="1.6.2", params=_bregman_params(1.0),
        summary="TV denoising by split Bregman with the separable (anisotropic) gradient norm.",
        explanation=_BREGMAN_EXPLANATION + (
            " The anisotropic norm |u_x| + |u_y| favours horizontal and vertical edges and penalises "
            "diagonal ones more, so it needs a larger fidelity weight for the same amount of smoothing."),
        latex=r"\hat f = \arg\min_u \; \sum_s |u_x(s)| + |u_y(s)| + \frac{\mu}{2}\|u - g\|_2^2")
def tv_bregman_aniso(image, *, sigma=0.0, weight=1.0, max_iter=100):
    """skimage.restoration.denoise_tv_bregman(isotropic=False) with weight = weight / σ."""
    return _tv_bregman(image, sigma, weight, max_iter, isotropic=False)


# ---- MAP estimation with a Markov-random-field prior -------------------------------------------

def _potential(u: np.ndarray, prior: str, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Pair potential g(u) and its derivative g'(u)."""
    if prior == "quadratic":
        return u * u, 2.0 * u
    if prior == "huber":
        size = np.abs(u)
        inside = size <= gamma
        value = np.where(inside, 0.5 * u * u, gamma * size - 0.5 * gamma * gamma)
        return value, np.clip(u, -gamma, gamma)
    if prior == "log_adaptive":
        size = np.abs(u)
        return gamma * size - gamma * gamma * np.log1p(size / gamma), gamma * u / (gamma + size)
    raise ValueError(f"Unknown prior {prior!r}; choose one of {', '.join(PRIORS)}.")


def map_energy(x: np.ndarray, noisy: np.ndarray, *, alpha: float, prior: str = "quadratic",
               gamma: float = 0.05, boundary: str = "reflect") -> tuple[float, np.ndarray]:
    """MAP energy and its exact gradient, for L-BFGS.

    E(x) = α Σ_i (x_i − y_i)² + Σ_i Σ_{j ∈ N(i)} g(x_i − x_j), with N(i) the 4 neighbours of i (inside the
    image for 'reflect', wrapping around for 'periodic'). Every neighbouring pair appears twice in the double
    sum, so ∂E/∂x_i = 2α (x_i − y_i) + 2 Σ_{j ∈ N(i)} g'(x_i − x_j). Works on (H, W) or (H, W, C) arrays.
    """
    if boundary not in BOUNDARIES:
        raise ValueError(f"Unknown boundary {boundary!r}; choose one of {', '.join(BOUNDARIES)}.")
    x = np.asarray(x, dtype=np.float64).reshape(noisy.shape)
    residual = x - noisy
    energy = alpha * float(np.sum(residual * residual))
    gradient = 2.0 * alpha * residual
    for axis in (0, 1):
        if boundary == "periodic":
            diff = x - np.roll(x, 1, axis=axis)  # x_i - x_(i-1), wrapping
        else:
            diff = np.diff(x, axis=axis)  # x_(i+1) - x_i
        value, slope = _potential(diff, prior, gamma)
        energy += 2.0 * float(np.sum(value))
        # each pair (p, q) with diff = x_q - x_p adds 2 g(diff): +2 g' to q, -2 g' to p
        if boundary == "periodic":
            gradient += 2.0 * slope - 2.0 * np.roll(slope, -1, axis=axis)
        else:
            later = [slice(None)] * x.ndim
            earlier = [slice(None)] * x.ndim
            later[axis], earlier[axis] = slice(1, None), slice(None, -1)
            gradient[tuple(later)] += 2.0 * slope
            gradient[tuple(earlier)] -= 2.0 * slope
    return energy, gradient.ravel()


def _check_map(alpha: float, prior: str, gamma: float, boundary: str) -> None:
    if alpha <= 0:
        raise ValueError("The data weight α must be positive.")
    if prior not in PRIORS:
        raise ValueError(f"Unknown prior {prior!r}; choose one of {', '.join(PRIORS)}.")
    if gamma <= 0:
        raise ValueError("The prior's γ must be positive.")
    if boundary not in BOUNDARIES:
        raise ValueError(f"Unknown boundary {boundary!r}; choose one of {', '.join(BOUNDARIES)}.")


def minimise_map_energy(image: np.ndarray, *, alpha: float = 0.5, prior: str = "huber", gamma: float = 0.05,
                        boundary: str = "reflect", max_iter: int = 20,
                        progress: Callable[[float, str], None] | None = None) -> tuple[np.ndarray, list[float]]:
    """L-BFGS-B on `map_energy`, started from the noisy image. Returns (estimate, energy per iteration)."""
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    _check_map(alpha, prior, gamma, boundary)
    if max_iter < 1:
        raise ValueError("L-BFGS needs at least one iteration.")
    noisy = checked(image).astype(np.float64)
    energies: list[float] = [map_energy(noisy, noisy, alpha=alpha, prior=prior, gamma=gamma, boundary=boundary)[0]]

    def after_iteration(intermediate_result) -> None:
        energies.append(float(intermediate_result.fun))
        if progress is not None:
            done = len(energies) - 1
            progress(min(done / max_iter, 1.0), f"iteration {done}, energy {energies[-1]:.4g}")

    def energy(x: np.ndarray) -> tuple[float, np.ndarray]:
        return map_energy(x, noisy, alpha=alpha, prior=prior, gamma=gamma, boundary=boundary)

    # L-BFGS-B makes many tiny BLAS calls; a multi-threaded BLAS makes them 20-50× slower on a busy host
    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(fun=energy, x0=noisy.ravel(), jac=True, method="L-BFGS-B", callback=after_iteration,
                          options={"maxiter": int(max_iter), "gtol": 1e-8, "ftol": 1e-10})
    if progress is not None:
        progress(1.0, "done")
    return finished(result.x.reshape(noisy.shape)), energies


def map_closed_form_solution(image: np.ndarray, *, alpha: float = 2.0, boundary: str = "reflect") -> np.ndarray:
    """Exact minimiser for the quadratic prior: (α I + 2 L) x = α y, with L the 4-neighbour graph Laplacian.

    L is diagonalised by the DCT-II for the 'reflect' boundary (pairs inside the image only) and by the
    FFT for the 'periodic' one, so the solve is one forward and one inverse transform.
    """
    from scipy import fft

    _check_map(alpha, "quadratic", 1.0, boundary)
    noisy = checked(image).astype(np.float64)
    height, width = noisy.shape[:2]
    if boundary == "periodic":
        rows = 2.0 - 2.0 * np.cos(2.0 * np.pi * np.arange(height) / height)
        cols = 2.0 - 2.0 * np.cos(2.0 * np.pi * np.arange(width) / width)
    else:
        rows = 2.0 - 2.0 * np.cos(np.pi * np.arange(height) / height)
        cols = 2.0 - 2.0 * np.cos(np.pi * np.arange(width) / width)
    eigenvalues = rows[:, None] + cols[None, :]
    if noisy.ndim == 3:
        eigenvalues = eigenvalues[..., None]
    transfer = alpha / (alpha + 2.0 * eigenvalues)
    if boundary == "periodic":
        out = fft.ifft2(fft.fft2(noisy, axes=(0, 1)) * transfer, axes=(0, 1)).real
    else:
        out = fft.idctn(fft.dctn(noisy, type=2, axes=(0, 1), norm="ortho") * transfer,
                        type=2, axes=(0, 1), norm="ortho")
    return finished(out)


_MAP_EXPLANATION = (
    "The maximum a posteriori estimate is the image that best balances two beliefs: the observation is the "
    "image plus Gaussian noise (a squared-error data term weighted by α, which should grow like 1/σ²), and "
    "neighbouring pixels of a natural image tend to be similar (a Markov random field prior that charges a "
    "potential g for every difference between 4-neighbours). A quadratic g gives a linear, Gaussian-like "
    "smoother that blurs edges; the Huber and log-adaptive potentials grow only linearly for large "
    "differences, so edges cost less and survive.")
_MAP_LATEX = (r"\hat f = \arg\min_x \; \alpha \sum_i (x_i - g_i)^2 + \sum_i \sum_{j \in N(i)} \rho(x_i - x_j),"
              r"\quad \rho \in \{u^2,\ \mathrm{Huber}_\gamma(u),\ \gamma|u| - \gamma^2 \log(1 + |u|/\gamma)\}")
_ALPHA_HELP = ("Weight of the data term. Larger keeps closer to the noisy image (less smoothing). In theory "
               "α ∝ 1/σ²; the default suits σ ≈ 25/255.")
_BOUNDARY = Param("boundary", "Boundary", "reflect", choices=BOUNDARIES,
                  help="reflect: only pairs inside the image count (no wrap-around artefacts). periodic: the "
                       "image wraps around, as with the book's np.roll neighbours.")


@method(task=DENOISE, key="map_lbfgs", label="MAP with an MRF prior (L-BFGS)", book="1.10", slow=True,
        params=[Param("prior", "Prior potential", "huber", choices=PRIORS,
                      help="quadratic smooths edges too (Gaussian MRF); huber and log_adaptive preserve edges."),
                Param("alpha", "Data weight α", 0.5, min=0.05, max=50.0, step=0.05, log=True, help=_ALPHA_HELP),
                Param("gamma", "Prior γ", 0.05, min=0.005, max=0.5, step=0.005, log=True,
                      help="For huber and log_adaptive: the intensity difference (on the [0, 1] scale) above "
                           "which the penalty grows only linearly. About half the noise σ works well. Unused by "
                           "the quadratic prior."),
                Param("max_iter", "Max iterations", 20, min=1, max=300, step=1,
                      help="L-BFGS-B iterations, starting from the noisy image. About 20 reach the minimum "
                           "for the defaults."),
                _BOUNDARY],
        summary="Bayesian MAP estimate under a Gaussian likelihood and a pairwise MRF prior, found by L-BFGS-B.",
        explanation=_MAP_EXPLANATION + (" The energy is minimised by the quasi-Newton L-BFGS-B method with its "
                                        "exact analytic gradient."),
        latex=_MAP_LATEX)
def map_lbfgs(image, *, prior="huber", alpha=0.5, gamma=0.05, max_iter=20, boundary="reflect", progress=None):
    """MAP-MRF denoising by L-BFGS-B on `map_energy`."""
    return minimise_map_energy(image, alpha=alpha, prior=prior, gamma=gamma, boundary=boundary,
                               max_iter=max_iter, progress=progress)[0]


@method(task=DENOISE, key="map_closed_form", label="MAP with a quadratic prior (closed form)", book="1.10",
        params=[Param("alpha", "Data weight α", 2.0, min=0.05, max=50.0, step=0.05, log=True, help=_ALPHA_HELP),
                _BOUNDARY],
        summary="The exact MAP estimate for the quadratic prior, solved in one step with a fast transform.",
        explanation=_MAP_EXPLANATION + (
            " With the quadratic potential the energy is a quadratic form, so its minimiser solves the linear "
            "system (αI + 2L)x = αg, with L the graph Laplacian of the pixel grid. A cosine transform (reflect "
            "boundary) or the FFT (periodic boundary) diagonalises L, so the solution costs two transforms; "
            "the L-BFGS method with the quadratic prior converges to the same image."),
        latex=r"(\alpha I + 2L)\,\hat f = \alpha g \;\Rightarrow\; "
              r"\hat f = \mathcal{T}^{-1}\!\left[\frac{\alpha\, \mathcal{T} g}{\alpha + 2\lambda_{kl}}\right],\quad "
              r"\lambda_{kl} = 4 - 2\cos\theta_k - 2\cos\phi_l")
def map_closed_form(image, *, alpha=2.0, boundary="reflect"):
    """Quadratic-prior MAP solved exactly by a DCT (reflect) or FFT (periodic)."""
    return map_closed_form_solution(image, alpha=alpha, boundary=boundary)


@method(task=DENOISE, key="perona_malik", label="Anisotropic diffusion (Perona–Malik)", book="2.4",
        params=[Param("iterations", "Iterations", 10, min=1, max=200, step=1,
                      help="Number of explicit diffusion steps; total diffusion time = iterations × γ. "
                           "Too many flatten everything below the edge threshold."),
                Param("kappa", "Edge threshold κ", 0.15, min=0.01, max=0.5, step=0.01, log=True,
                      help="Gradient size on the [0, 1] intensity scale that separates noise (smoothed) from "
                           "edges (kept). About 1.5 × the noise σ works for the exponential function. "
                           "Values above 1 make it plain heat diffusion."),
                Param("gamma", "Time step γ", 0.2, min=0.01, max=0.25, step=0.01,
                      help="Step of the explicit scheme; 0.25 is the stability limit with 4 neighbours."),
                Param("conduction", "Conduction function", "exponential", choices=CONDUCTIONS,
                      help="exponential: g = exp(-(|∇I|/κ)²), favours high-contrast edges. "
                           "quadratic: g = 1/(1 + (|∇I|/κ)²), favours wide regions over small ones.")],
        summary="Heat diffusion that slows down across edges, so regions are smoothed but boundaries kept.",
        explanation=(
            "The image evolves under a diffusion equation whose conductivity is recomputed at every step from "
            "the local gradient: where the gradient is small (noise, flat regions) the conductivity is near 1 "
            "and the image is smoothed, where it is large (edges) the conductivity falls towards 0 and "
            "diffusion stops. With a constant conductivity it would be a Gaussian blur. The threshold κ "
            "decides what counts as an edge, and the number of iterations sets how far the smoothing goes."),
        latex=r"\frac{\partial I}{\partial t} = \operatorname{div}\!\big(c(|\nabla I|)\,\nabla I\big),\quad "
              r"c(s) = e^{-(s/\kappa)^2} \text{ or } \frac{1}{1 + (s/\kappa)^2}")
def perona_malik(image, *, iterations=10, kappa=0.15, gamma=0.2, conduction="exponential", progress=None):
    """Thin wrapper around core.diffusion.perona_malik."""
    return _perona_malik(checked(image), iterations=iterations, kappa=kappa, gamma=gamma,
                         conduction=conduction, progress=progress)
