"""The ``ecology-scaling`` case's synthetic data: seeded surveys and nested quadrats."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["simulate_nested_occupancy", "simulate_nested_quadrats", "simulate_occupancy"]


def simulate_occupancy(rng: np.random.Generator, n_sites: int, n_visits: int, psi: float,
                       p: float, repeats: int = 1) -> np.ndarray:
    """Detections per site (out of ``n_visits``) of ``repeats`` independent surveys.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_sites, n_visits : int
        Sites per survey and repeat visits per site.
    psi, p : float
        Occupancy probability and detection probability per visit (1).
    repeats : int
        Independent surveys.

    Returns
    -------
    ndarray of int, shape (repeats, n_sites)
    """
    from scaleweave.bridges.inference.occupancy import simulate_detections

    return simulate_detections(np.full((repeats, n_sites), psi), np.asarray(p), n_visits,
                               rng)[0]


def simulate_nested_quadrats(rng: np.random.Generator, n_plots: int, areas: np.ndarray,
                             richness_c: float, z: float, env_effect: float, plot_sd: float
                             ) -> dict[str, np.ndarray]:
    """Species counts in nested quadrats, ``E[S] = c exp(b x + u) A^z`` at every grain.

    The largest quadrat's count is Poisson; every species of a quadrat is kept in the
    nested smaller one with probability ``(A_small / A_large)^z`` (thinning), so each
    grain has the power-law mean and smaller quadrats hold subsets of the larger
    ones' species.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_plots : int
    areas : ndarray
        Quadrat areas (m^2), increasing; each nested in the next.
    richness_c : float
        Expected species in 1 m^2 at the gradient's mean.
    z : float
        Scaling exponent.
    env_effect : float
        ``b``: effect of the standardised gradient ``x`` on log richness.
    plot_sd : float
        Sd of the plot effect ``u`` (log scale).

    Returns
    -------
    dict
        ``S`` (plots, grains), ``x`` (plots, standardised), ``u`` (plots).
    """
    x = np.linspace(-1.7, 1.7, n_plots)
    x = (x - x.mean()) / x.std()
    u = plot_sd * rng.standard_normal(n_plots)
    mean_big = richness_c * np.exp(env_effect * x + u) * areas[-1] ** z
    s = np.empty((n_plots, areas.size), dtype=int)
    s[:, -1] = rng.poisson(mean_big)
    for j in range(areas.size - 2, -1, -1):  # over grains (a handful), not plots
        s[:, j] = rng.binomial(s[:, j + 1], (areas[j] / areas[j + 1]) ** z)
    return {"S": s, "x": x, "u": u}


def simulate_nested_occupancy(rng: np.random.Generator, n_plots: int, sites_per_plot: int,
                              n_visits: int, psi: float, p: float, env_effect: float,
                              plot_sd: float) -> dict[str, np.ndarray]:
    """Quadrats nested in plots along a gradient: ``logit psi = logit(psi) + b x + u``.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_plots, sites_per_plot, n_visits : int
    psi, p : float
        Occupancy at the gradient's mean and detection probability per visit (1).
    env_effect : float
        ``b``: effect of the standardised gradient on logit occupancy.
    plot_sd : float
        Sd of the plot effect ``u`` (logit scale).

    Returns
    -------
    dict
        ``y`` (detections per quadrat), ``x`` (the plot's standardised gradient value
        per quadrat), ``plot`` (index), ``psi`` (true occupancy per quadrat).
    """
    from scaleweave.bridges.inference.occupancy import simulate_detections

    x_plot = np.linspace(-1.0, 1.0, n_plots)
    x_plot = (x_plot - x_plot.mean()) / x_plot.std()
    u = plot_sd * rng.standard_normal(n_plots)
    plot = np.repeat(np.arange(n_plots), sites_per_plot)
    logit = math.log(psi / (1.0 - psi)) + env_effect * x_plot[plot] + u[plot]
    occ = 1.0 / (1.0 + np.exp(-logit))
    y, _ = simulate_detections(occ[:, None], np.array([p]), n_visits, rng)
    return {"y": y[:, 0], "x": x_plot[plot], "plot": plot, "psi": occ}
